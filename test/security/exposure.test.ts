/**
 * What the outside world and user code can reach: no network listener of
 * any kind (the server, R, and anything they started), the user profile
 * R_PROFILE_USER names runs only in a trusted workspace, and the launch
 * secret, the channel paths and the kernel's own profile setting are gone
 * from R's environment (and from its children's) before user code runs.
 *
 * test/server/lifecycle.test.ts checks the workspace .Rprofile against
 * trust, and TCP/UDP sockets of the server and R once; this file extends
 * both rather than repeating them.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { descendantsOf, inetSockets, listeningUnixInodes, socketInodes } from '../support/procs';
import { attach, privateRegistry, startSession, stopAllSessions } from '../support/sessions';
import { WireClient, clientsPerTest } from '../support/wireClient';

describe('security: listeners and what user code can see', function () {
    this.timeout(60000);
    const start = clientsPerTest({ keep: ['r/output'] });

    async function run(client: WireClient, code: string, executionId: string): Promise<string> {
        const result = await client.within(client.execute({ code, executionId }), 20000, code);
        assert.strictEqual(result.status, 'ok', `${code}: ${JSON.stringify(result)}`);
        return client.textOf(executionId);
    }

    /** Every socket the server and its descendants hold that is a network socket or a listening Unix socket. */
    function exposedSockets(client: WireClient): string[] {
        const pids = [client.pid, ...descendantsOf(client.pid)];
        const held = new Map<string, number>();
        for (const pid of pids) for (const inode of socketInodes(pid)) held.set(inode, pid);
        const found: string[] = [];
        for (const s of inetSockets()) {
            if (held.has(s.inode)) found.push(`${s.table} ${s.local} (state ${s.state}) held by ${held.get(s.inode)}`);
        }
        for (const inode of listeningUnixInodes()) {
            if (held.has(inode)) found.push(`listening Unix socket ${inode} held by ${held.get(inode)}`);
        }
        return found;
    }

    it('holds no TCP or UDP socket and no listening socket at all: idle, running, and after a restart', async () => {
        const client = await start();
        assert.deepStrictEqual(exposedSockets(client), [], 'idle');
        const running = client.request('r/execute', { code: 'Sys.sleep(0.5)' });
        await client.waitFor(() => client.lastStatus()?.state === 'busy', 10000, 'busy');
        assert.deepStrictEqual(exposedSockets(client), [], 'while R runs code');
        await running;
        await client.request('r/restart', {});
        assert.deepStrictEqual(exposedSockets(client), [], 'after r/restart');
        assert.ok(descendantsOf(client.pid).includes(client.kernelPid!), 'R was among the processes inspected');
    });

    it("shows help pages without R's dynamic help server: no socket, httpd port 0", async () => {
        const client = await start({ init: { helpViewer: true }, keep: ['r/output', 'r/showHelp'] });
        const page = await client.request<{ title: string }>('r/help', { topic: 'lm' });
        assert.strictEqual(page.result?.title, 'Fitting Linear Models', JSON.stringify(page.error));
        assert.strictEqual(await run(client, '?lm', 'help'), '', 'the page went to the client, nothing printed');
        assert.ok(client.notifications.some((n) => n.method === 'r/showHelp'), 'r/showHelp for ?lm');
        assert.deepStrictEqual(exposedSockets(client), [], 'after help pages');
        assert.ok(descendantsOf(client.pid).includes(client.kernelPid!), 'R was among the processes inspected');
        // R starts its help server on the first page it shows through it; its port stays 0 until then.
        assert.strictEqual(await run(client, 'cat(tools:::httpdPort())', 'port'), '0');
    });

    it('a detached session holds no TCP or UDP socket and one listening Unix socket, its own; R holds none', async () => {
        const registry = privateRegistry();
        try {
            const session = await startSession({ workspace: os.tmpdir() });
            const client = await attach(session, { keep: ['r/output'] });
            const running = client.request('r/execute', { code: 'Sys.sleep(0.5)' });
            await client.waitFor(() => client.lastStatus()?.state === 'busy', 10000, 'busy');
            const rPid = client.kernelPid!;
            const listening = listeningUnixInodes();
            const byServer = [...socketInodes(session.pid)].filter((inode) => listening.has(inode));
            assert.strictEqual(byServer.length, 1, 'the session listens on one Unix socket');
            const descendants = descendantsOf(session.pid);
            assert.ok(descendants.includes(rPid), 'R was among the processes inspected');
            for (const pid of [session.pid, ...descendants]) {
                const held = socketInodes(pid);
                const inet = inetSockets().filter((s) => held.has(s.inode));
                assert.deepStrictEqual(inet, [], `network sockets held by ${pid}`);
                if (pid !== session.pid) assert.deepStrictEqual([...held].filter((inode) => listening.has(inode)), [], `R (or its child ${pid}) holds the listening socket`);
            }
            await running;
            await client.stop();
        } finally {
            await stopAllSessions();
            fs.rmSync(registry, { recursive: true, force: true });
        }
    });

    const hidden = ['RBRIDGE_SECRET', 'RBRIDGE_TO_KERNEL', 'RBRIDGE_FROM_KERNEL', 'RBRIDGE_GRANTS', 'RBRIDGE_MARKER', 'RBRIDGE_PROFILE', 'R_PROFILE_USER'];

    /** The names of R's environment variables and the lines of a child process's environment. */
    async function environments(client: WireClient): Promise<{ inR: string[]; inChild: string[] }> {
        const inR = (await run(client, 'cat(names(Sys.getenv()), sep = "\\n")', 'names')).split('\n');
        const inChild = (await run(client, 'cat(system("env", intern = TRUE), sep = "\\n")', 'child')).split('\n');
        // Sanity: the listing works (the kernel folder variable stays, by design).
        assert.ok(inR.includes('RBRIDGE_KERNEL_DIR'));
        return { inR, inChild };
    }

    for (const trusted of [false, true]) {
        it(`keeps the secret, the channel paths and the profile settings out of R and of the processes R starts (${trusted ? 'trusted' : 'untrusted'} workspace)`, async () => {
            const client = await start({ init: { workspaceTrusted: trusted } });
            const { inR, inChild } = await environments(client);
            for (const name of hidden) {
                assert.ok(!inR.includes(name), `${name} is visible to Sys.getenv()`);
                assert.ok(!inChild.some((l) => l.startsWith(`${name}=`)), `${name} reaches a child process`);
            }
        });
    }

    /**
     * kernel/main.R takes RBRIDGE_USER_PROFILE out of the environment before
     * it calls run_profile(): passed as an argument, R's lazy evaluation would
     * never take it in an untrusted workspace (run_profile() only looks at
     * it when trusted), and it would reach every child process.
     */
    it('removes RBRIDGE_USER_PROFILE in an untrusted workspace too', async () => {
        const client = await start({ init: { workspaceTrusted: false } });
        const { inR, inChild } = await environments(client);
        assert.ok(!inR.includes('RBRIDGE_USER_PROFILE'), 'RBRIDGE_USER_PROFILE is visible to Sys.getenv()');
        assert.ok(!inChild.some((l) => l.startsWith('RBRIDGE_USER_PROFILE=')), 'RBRIDGE_USER_PROFILE reaches a child process');
    });

    describe('the profile R_PROFILE_USER names', () => {
        let workspace: string;
        let home: string;
        let named: string;
        beforeEach(() => {
            workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-ws-'));
            home = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-home-'));
            // A workspace that names its own profile, as a hostile one would.
            named = path.join(workspace, 'evil-profile.R');
            fs.writeFileSync(named, 'named_profile_ran <- TRUE\n');
            fs.writeFileSync(path.join(workspace, '.Rprofile'), 'workspace_profile_ran <- TRUE\n');
            fs.writeFileSync(path.join(home, '.Rprofile'), 'home_profile_ran <- TRUE\n');
        });
        afterEach(() => {
            for (const dir of [workspace, home]) fs.rmSync(dir, { recursive: true, force: true });
        });
        const ran = 'cat(exists("named_profile_ran"), exists("workspace_profile_ran"), exists("home_profile_ran"), Sys.getenv("R_PROFILE_USER") == "")';

        for (const via of ['the env initialization option', "the server's own environment"] as const) {
            it(`does not run in an untrusted workspace (R_PROFILE_USER set through ${via}); only ~/.Rprofile runs`, async () => {
                const env = { HOME: home, R_PROFILE_USER: named };
                const client = await start(via === 'the env initialization option' ? { init: { cwd: workspace, workspaceTrusted: false, env } } : { init: { cwd: workspace, workspaceTrusted: false, env: { HOME: home } }, env: { R_PROFILE_USER: named } });
                assert.strictEqual(await run(client, ran, 'ran'), 'FALSE FALSE TRUE TRUE');
            });

            it(`runs, instead of ./.Rprofile and ~/.Rprofile, in a trusted workspace (R_PROFILE_USER set through ${via})`, async () => {
                const env = { HOME: home, R_PROFILE_USER: named };
                const client = await start(via === 'the env initialization option' ? { init: { cwd: workspace, workspaceTrusted: true, env } } : { init: { cwd: workspace, workspaceTrusted: true, env: { HOME: home } }, env: { R_PROFILE_USER: named } });
                // R's own rule: the file R_PROFILE_USER names replaces the others.
                assert.strictEqual(await run(client, ran, 'ran'), 'TRUE FALSE FALSE TRUE');
            });
        }
    });
});
