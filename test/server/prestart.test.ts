/**
 * R started before the client's initialize (server/src/kernel/prestart.ts):
 * adopted when the session would have started it the same way, replaced
 * otherwise, never left behind. Real R.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { InitializationOptions } from '../../common/protocol';
import { launchArgs } from '../../common/launch';
import { launchGuess } from '../../server/src/kernel/prestart';
import { isRunning, rChildOf } from '../support/procs';
import { pollUntil } from '../support/time';
import { WireClient } from '../support/wireClient';

describe('R started before initialize (real R)', function () {
    this.timeout(60000);
    let dir: string;
    let client: WireClient | undefined;
    beforeEach(() => {
        dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-prestart-')));
    });
    afterEach(async () => {
        await client?.stop();
        client = undefined;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A server in `dir` that has started R, before anything is sent to it. */
    async function serverWithEarlyR(serverArgs: string[] = []): Promise<{ client: WireClient; early: number }> {
        client = new WireClient({ cwd: dir, keep: ['r/output'], serverArgs });
        await pollUntil(() => rChildOf(client!.pid) !== undefined, 15000, 'R before initialize');
        const early = rChildOf(client!.pid)!;
        return { client, early };
    }

    /** serverWithEarlyR(), then initialized with `init` and idle. */
    async function initializedWithEarlyR(init: InitializationOptions, serverArgs: string[] = []): Promise<{ client: WireClient; early: number }> {
        const started = await serverWithEarlyR(serverArgs);
        await started.client.initialize(init);
        await started.client.waitForIdle();
        return started;
    }

    /** The session started an R of its own, and the early one is stopped. */
    async function replaced(session: WireClient, early: number): Promise<void> {
        assert.notStrictEqual(session.kernelPid, early);
        await pollUntil(() => !isRunning(early), 15000, 'the early R to stop');
    }

    it('starts R before initialize, and the session adopts it: an untrusted workspace', async () => {
        fs.writeFileSync(path.join(dir, '.Rprofile'), 'from_profile <- TRUE\n');
        const { client, early } = await initializedWithEarlyR({});
        assert.strictEqual(client.kernelPid, early);
        assert.strictEqual(await client.run('cat(getwd())'), dir);
        assert.strictEqual(await client.run('cat(exists("from_profile"))'), 'FALSE', "an untrusted workspace's .Rprofile does not run");
        // As for any untrusted workspace: R read the user's ~/.Renviron, and says so.
        assert.strictEqual(await client.run('cat(Sys.getenv("R_ENVIRON_USER"))'), path.join(process.env.HOME || os.homedir(), '.Renviron'));
    });

    it('a trusted workspace without a .Renviron adopts it too: its .Rprofile runs, and R has no R_ENVIRON_USER', async () => {
        fs.writeFileSync(path.join(dir, '.Rprofile'), 'from_profile <- TRUE\n');
        const { client, early } = await initializedWithEarlyR({ workspaceTrusted: true });
        assert.strictEqual(client.kernelPid, early);
        assert.strictEqual(await client.run('cat(exists("from_profile"))'), 'TRUE');
        assert.strictEqual(await client.run('cat(Sys.getenv("R_ENVIRON_USER", "unset"))'), 'unset');
    });

    it("a trusted workspace with a .Renviron gets a new R that reads it; the early R is stopped", async () => {
        fs.writeFileSync(path.join(dir, '.Renviron'), 'RBRIDGE_TEST_FROM_RENVIRON=workspace\n');
        const { client, early } = await initializedWithEarlyR({ workspaceTrusted: true });
        await replaced(client, early);
        assert.strictEqual(await client.run('cat(Sys.getenv("RBRIDGE_TEST_FROM_RENVIRON"))'), 'workspace');
    });

    it('other settings (a working directory, R arguments) get a new R started with them', async () => {
        const other = fs.mkdtempSync(path.join(dir, 'other-'));
        const { client, early } = await initializedWithEarlyR({ cwd: other, rArgs: ['--args', 'given'] });
        await replaced(client, early);
        assert.strictEqual(await client.run('cat(getwd(), commandArgs(TRUE))'), `${other} given`);
    });

    it('starts R as --launch says, and the session that asks for that adopts it', async () => {
        const other = fs.mkdtempSync(path.join(dir, 'other-'));
        const { client, early } = await initializedWithEarlyR({ cwd: other, rArgs: ['--args', 'given'] }, launchArgs({ rPath: 'R', rArgs: ['--args', 'given'], cwd: other }));
        assert.strictEqual(client.kernelPid, early);
        assert.strictEqual(await client.run('cat(getwd(), commandArgs(TRUE))'), `${other} given`);
    });

    it('stops the early R when the client leaves without initializing', async () => {
        const { client, early } = await serverWithEarlyR();
        client.child!.stdin!.end();
        await pollUntil(() => !isRunning(early), 15000, 'the early R to stop');
        await pollUntil(() => !client.alive, 15000, 'the server to exit');
    });

    it('reads --launch, and falls back to R on the PATH; a bad one starts nothing', () => {
        assert.deepStrictEqual(launchGuess(['--stdio'], '/w'), { rPath: 'R', rArgs: [], cwd: '/w' });
        const given = { rPath: '/opt/R/bin/R', rArgs: ['--max-ppsize=100000'], cwd: '/x', env: { A: 'b' } };
        // What the clients pass (common/launch.ts) reads back whole.
        assert.deepStrictEqual(launchGuess(['--stdio', ...launchArgs(given)], '/w'), given);
        assert.strictEqual(launchGuess(['--stdio', '--launch', 'not base64 json'], '/w'), undefined);
        assert.strictEqual(launchGuess(['--stdio', '--launch', Buffer.from('{"env":{"A":1}}').toString('base64')], '/w'), undefined);
    });
});
