/**
 * What an untrusted workspace can make R do at start-up: nothing. R reads
 * ./.Renviron of its working directory before the kernel runs, and its
 * values win; untrusted, R must read no file of the workspace at start-up,
 * and the kernel takes none of its settings from the environment. Also: the
 * kernel channel is not inherited by processes R starts, and R's own
 * temporary folder goes with a killed R.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WireClient, clientsPerTest } from '../support/wireClient';

describe('security: start-up in an untrusted workspace', function () {
    this.timeout(60000);
    const startClient = clientsPerTest({ keep: ['r/output'] });
    let workspace: string;
    let home: string;
    let evidence: string;

    beforeEach(() => {
        workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-ws-'));
        home = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-home-'));
        evidence = path.join(workspace, 'evidence');
        fs.mkdirSync(evidence);
        const leave = (name: string) => `file.create(${JSON.stringify(path.join(evidence, name))})\n`;
        // Each file, if R ever reads it, leaves a file named after it.
        fs.writeFileSync(path.join(workspace, 'site-profile.R'), leave('R_PROFILE'));
        fs.writeFileSync(path.join(workspace, 'user-profile.R'), leave('R_PROFILE_USER'));
        fs.writeFileSync(path.join(workspace, '.Rprofile'), leave('.Rprofile'));
        fs.writeFileSync(path.join(workspace, 'site.Renviron'), 'FROM_SITE_RENVIRON=yes\n');
        const fakeKernel = path.join(workspace, 'kernel');
        fs.mkdirSync(fakeKernel);
        fs.writeFileSync(path.join(fakeKernel, 'bootstrap.R'), leave('RBRIDGE_KERNEL_DIR'));
        fs.writeFileSync(
            path.join(workspace, '.Renviron'),
            [
                'FROM_WORKSPACE=yes',
                `R_PROFILE=${path.join(workspace, 'site-profile.R')}`,
                `R_PROFILE_USER=${path.join(workspace, 'user-profile.R')}`,
                `R_ENVIRON=${path.join(workspace, 'site.Renviron')}`,
                `R_ENVIRON_USER=${path.join(workspace, 'site.Renviron')}`,
                `R_LIBS_USER=${workspace}`,
                'RBRIDGE_PROFILE=trusted',
                `RBRIDGE_USER_PROFILE=${path.join(workspace, 'user-profile.R')}`,
                `RBRIDGE_KERNEL_DIR=${fakeKernel}`,
                '',
            ].join('\n'),
        );
        fs.writeFileSync(path.join(home, '.Renviron'), 'FROM_HOME=yes\n');
    });
    afterEach(async () => {
        for (const dir of [workspace, home]) fs.rmSync(dir, { recursive: true, force: true });
    });

    async function start(trusted: boolean, env: Record<string, string> = {}): Promise<WireClient> {
        return startClient({ init: { cwd: workspace, workspaceTrusted: trusted, env: { HOME: home, ...env } } });
    }

    async function stdout(client: WireClient, code: string): Promise<string> {
        const executionId = `x${client.newId()}`;
        const result = await client.execute({ code, executionId });
        assert.strictEqual(result.status, 'ok', JSON.stringify(result));
        return client.textOf(executionId);
    }

    const env = 'cat(Sys.getenv(c("FROM_WORKSPACE", "FROM_SITE_RENVIRON", "FROM_HOME", "R_LIBS_USER")), sep = "|")';

    it('reads no .Renviron of the workspace, so none of its variables runs anything', async () => {
        const client = await start(false);
        // R started the real kernel, read the user's own ~/.Renviron, and nothing of the workspace.
        const seen = (await stdout(client, env)).split('|');
        assert.deepStrictEqual(seen.slice(0, 3), ['', '', 'yes']);
        assert.notStrictEqual(seen[3], workspace, 'R_LIBS_USER came from the workspace');
        assert.deepStrictEqual(fs.readdirSync(evidence), [], 'a file of the workspace ran');
    });

    // One .Renviron line per case, so that a failure names the variable:
    // each variable R or the kernel reads at start-up, set by the workspace.
    const single: [string, (ws: string) => string][] = [
        ['R_PROFILE', (ws) => path.join(ws, 'site-profile.R')],
        ['R_PROFILE_USER', (ws) => path.join(ws, 'user-profile.R')],
        ['R_ENVIRON', (ws) => path.join(ws, 'site.Renviron')],
        ['R_ENVIRON_USER', (ws) => path.join(ws, 'site.Renviron')],
        ['R_LIBS_USER', (ws) => ws],
        ['RBRIDGE_PROFILE', () => 'trusted'],
        ['RBRIDGE_USER_PROFILE', (ws) => path.join(ws, 'user-profile.R')],
        ['RBRIDGE_KERNEL_DIR', (ws) => path.join(ws, 'kernel')],
        ['RBRIDGE_TO_KERNEL', (ws) => path.join(ws, 'evidence', 'RBRIDGE_TO_KERNEL')],
        ['RBRIDGE_FROM_KERNEL', (ws) => path.join(ws, 'evidence', 'RBRIDGE_FROM_KERNEL')],
        ['RBRIDGE_GRANTS', (ws) => path.join(ws, 'evidence', 'RBRIDGE_GRANTS')],
        ['RBRIDGE_SECRET', () => '0'.repeat(64)],
    ];
    for (const [name, value] of single) {
        it(`ignores ${name} set in the workspace's .Renviron`, async () => {
            fs.writeFileSync(path.join(workspace, '.Renviron'), `${name}=${value(workspace)}\n`);
            // site.Renviron itself would name the workspace's user profile.
            fs.appendFileSync(path.join(workspace, 'site.Renviron'), `R_PROFILE_USER=${path.join(workspace, 'user-profile.R')}\n`);
            const client = await start(false);
            const seen = (await stdout(client, `cat(Sys.getenv(c("${name}", "FROM_SITE_RENVIRON")), any(startsWith(normalizePath(.libPaths()), normalizePath(${JSON.stringify(workspace)}))), sep = "|")`)).split('|');
            assert.notStrictEqual(seen[0], value(workspace), `${name} reached R`);
            assert.deepStrictEqual(seen.slice(1), ['', 'FALSE'], `${name}: the site .Renviron or a library of the workspace reached R`);
            assert.deepStrictEqual(fs.readdirSync(evidence), [], `${name}: a file of the workspace ran`);
        });
    }

    it('takes no kernel setting from the environment: RBRIDGE_PROFILE=trusted from the client changes nothing', async () => {
        const client = await start(false, { RBRIDGE_PROFILE: 'trusted', RBRIDGE_USER_PROFILE: path.join(workspace, 'user-profile.R') });
        assert.strictEqual(await stdout(client, 'cat(1)'), '1');
        assert.deepStrictEqual(fs.readdirSync(evidence), [], 'the workspace profile ran');
    });

    it("reads the workspace's .Renviron and .Rprofile when trusted, as R does", async () => {
        // Trusted, R's own rules apply; the kernel still starts when the
        // .Renviron names profiles (R reads R_PROFILE, the site profile).
        fs.writeFileSync(path.join(workspace, '.Renviron'), `FROM_WORKSPACE=yes\nR_PROFILE=${path.join(workspace, 'site-profile.R')}\n`);
        const client = await start(true);
        assert.strictEqual((await stdout(client, env)).split('|')[0], 'yes');
        assert.deepStrictEqual(fs.readdirSync(evidence).sort(), ['.Rprofile', 'R_PROFILE']);
    });

    it('keeps the kernel channel from the processes R starts', async () => {
        const client = await start(false);
        const folder = path.dirname(path.dirname((await stdout(client, 'cat(tempdir())')).trim()));
        assert.match(path.basename(folder), /^rbridge-/, folder);
        // The listing runs as an execution sent ahead (behind a running one),
        // so that the kernel has just claimed its grant.
        const list = 'cat(system("ls -l /proc/self/fd", intern = TRUE), sep = "\\n")';
        const first = client.executeReply({ code: 'Sys.sleep(0.3)' });
        const listing = `x${client.newId()}`;
        const result = await client.execute({ code: list, executionId: listing });
        assert.strictEqual((await first).result?.status, 'ok');
        assert.strictEqual(result.status, 'ok', JSON.stringify(result));
        const fds = client.textOf(listing);
        assert.match(fds, /\b0 -> /, 'the listing works');
        for (const name of ['to-kernel', 'from-kernel', 'grants']) assert.doesNotMatch(fds, new RegExp(name), `a child inherited ${name}:\n${fds}`);
        // Beyond R's console (0-2, which a child shares by design), nothing of the private folder.
        const inherited = fds.split('\n').filter((line) => Number(/ (\d+) -> /.exec(line)?.[1]) > 2 && line.includes(folder + '/'));
        assert.deepStrictEqual(inherited, [], `a child inherited a file of the kernel's private folder ${folder}:\n${fds}`);
    });

    describe("with R's temporary folder elsewhere: TMPDIR set in ~/.Renviron", () => {
        let elsewhere: string;
        beforeEach(() => {
            elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-elsewhere-'));
            fs.writeFileSync(path.join(home, '.Renviron'), `TMPDIR=${elsewhere}\n`);
        });
        afterEach(() => fs.rmSync(elsewhere, { recursive: true, force: true }));

        it('removes it when R is killed', async () => {
            const client = await start(false);
            const temp = (await stdout(client, 'cat(tempdir())')).trim();
            assert.strictEqual(path.dirname(temp), elsewhere, 'the .Renviron chose where R keeps its temporary files');
            process.kill(client.kernelPid!, 'SIGKILL');
            await client.waitFor(() => client.lastStatus()?.state === 'dead', 10000, 'R dead');
            await client.waitFor(() => fs.readdirSync(elsewhere).length === 0, 5000, `no Rtmp* left in ${elsewhere}: ${fs.readdirSync(elsewhere)}`);
        });

        it("removes the old R's on r/restart, and leaves alone a folder that is not R's", async () => {
            const client = await start(false);
            const old = (await stdout(client, 'cat(tempdir()); invisible(file.create(file.path(tempdir(), "kept")))')).trim();
            assert.ok(fs.existsSync(path.join(old, 'kept')), old);
            const other = path.join(elsewhere, 'RtmpOTHER1');
            fs.mkdirSync(other);
            const restarted = await client.request<{ pid: number }>('r/restart', {});
            assert.ok(!restarted.error, JSON.stringify(restarted.error));
            await client.waitForIdle();
            const now = (await stdout(client, 'cat(tempdir())')).trim();
            assert.notStrictEqual(now, old);
            assert.ok(!fs.existsSync(old), `the old R's ${old} is left behind`);
            assert.ok(fs.existsSync(other), "a folder that was not R's was removed");
        });
    });

    it("removes R's temporary folder with the kernel's private folder when R is killed", async () => {
        const client = await start(false);
        const temp = (await stdout(client, 'cat(tempdir())')).trim();
        assert.ok(fs.existsSync(temp), temp);
        process.kill(client.kernelPid!, 'SIGKILL');
        await client.waitFor(() => client.lastStatus()?.state === 'dead', 10000, 'R dead');
        await client.waitFor(() => !fs.existsSync(temp), 5000, `${temp} removed`);
        assert.ok(!fs.existsSync(path.dirname(path.dirname(temp))), 'the private folder is gone');
    });

    // Trusted, R reads ./.Renviron, and a line naming another start-up file
    // or kernel folder would keep the kernel from starting at all.
    for (const name of ['R_PROFILE_USER', 'RBRIDGE_KERNEL_DIR']) {
        it(`fails to start with a message naming ${name} when a trusted .Renviron sets it`, async () => {
            const renviron = path.join(workspace, '.Renviron');
            fs.writeFileSync(renviron, `FROM_WORKSPACE=yes\n${name}=${path.join(workspace, name === 'R_PROFILE_USER' ? 'user-profile.R' : 'kernel')}\n`);
            const client = await startClient({ noWait: true, init: { cwd: workspace, workspaceTrusted: true, env: { HOME: home } } });
            await client.waitFor(() => client.lastStatus()?.state === 'dead', 10000, 'the start to fail');
            const status = client.lastStatus()!;
            assert.strictEqual(status.deathCause, 'startFailed');
            assert.ok(status.reason!.includes(`${renviron} sets ${name}`), status.reason);
            assert.deepStrictEqual(fs.readdirSync(evidence), [], 'a file of the workspace ran');
        });
    }

    it('reports a channel that cannot be made, and leaves no folder behind', async () => {
        // Without mkfifo on the PATH the channel's FIFOs cannot be made.
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-tmp-'));
        try {
            const client = await startClient({ noWait: true, env: { PATH: '/nonexistent', TMPDIR: tmp }, init: { rPath: '/usr/bin/R' } });
            await client.waitFor(() => client.lastStatus()?.state === 'dead', 10000, 'the start to fail');
            const status = client.lastStatus()!;
            assert.strictEqual(status.deathCause, 'startFailed');
            assert.match(status.reason!, /private channel could not be made/);
            assert.deepStrictEqual(fs.readdirSync(tmp), [], 'the kernel folder was left behind');
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});
