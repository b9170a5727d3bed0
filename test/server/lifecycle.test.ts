import * as assert from 'assert';
import { KERNEL_PROTOCOL_VERSION } from '../../server/src/kernel/wire';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RestartRequest } from '../../common/protocol';
import { TestClient } from '../support/serverClient';
import { makeFakeKernel, makeFakeR } from '../support/fakes';
import { inetSockets, isRunning, socketInodes } from '../support/procs';

describe('kernel death, restart and start-up failures', function () {
    const clients: TestClient[] = [];
    async function start(options: Parameters<typeof TestClient.start>[0] = {}): Promise<TestClient> {
        const client = await TestClient.start(options);
        clients.push(client);
        return client;
    }
    afterEach(async () => {
        for (const c of clients.splice(0)) await c.stop();
    });

    function lastDead(client: TestClient) {
        return [...client.statuses].reverse().find((s) => s.state === 'dead');
    }

    it('detects R killed mid-execution: running and queued executions end with kernelDied', async () => {
        const client = await start();
        const pid = client.lastStatus()!.pid!;
        const running = client.execute({ code: 'cat("partial\\n"); Sys.sleep(100)', executionId: 'victim' });
        const queued = client.execute('1');
        await client.waitFor(() => client.textOf('victim').includes('partial'));
        process.kill(pid, 'SIGKILL');
        // The death is announced before the executions it cost are answered.
        const deadFirst = running.then(() => lastDead(client) !== undefined);
        const [r, q] = await Promise.all([running, queued]);
        assert.strictEqual(await deadFirst, true, 'r/kernelStatus dead came before the failed answers');
        assert.strictEqual(r.status, 'kernelDied');
        assert.strictEqual(q.status, 'kernelDied');
        await client.waitFor(() => lastDead(client) !== undefined);
        assert.strictEqual(lastDead(client)!.signal, 'SIGKILL');
        assert.match(lastDead(client)!.reason!, /SIGKILL/);
        assert.strictEqual(lastDead(client)!.deathCause, 'died');
        assert.strictEqual(lastDead(client)!.restartInMs, undefined, 'without autoRestart no restart is announced');
        assert.strictEqual(lastDead(client)!.restartAbandoned, undefined);
        assert.strictEqual((await client.execute('1')).status, 'kernelDied', 'without autoRestart R stays dead');
        await client.connection.sendRequest(RestartRequest, {});
        assert.strictEqual(client.statuses.find((s) => s.state === 'restarting')?.startCause, 'requested');
        assert.strictEqual(await client.run('1'), '[1] 1\n');
    });

    it('reports quit() with its exit code and the tail of stderr', async () => {
        const client = await start();
        const result = await client.execute('message("last words"); quit(status = 3)');
        assert.strictEqual(result.status, 'kernelDied');
        await client.waitFor(() => lastDead(client) !== undefined);
        const dead = lastDead(client)!;
        assert.strictEqual(dead.exitCode, 3);
        assert.strictEqual(dead.deathCause, 'quit');
        assert.strictEqual(client.statuses[0].state, 'starting');
        assert.strictEqual(client.statuses[0].startCause, 'initial');
        assert.match(dead.stderrTail!, /last words/);
    });

    it('detects a segfault and restarts automatically with autoRestart', async () => {
        const client = await start({ init: { autoRestart: true } });
        const firstPid = client.lastStatus()!.pid!;
        await client.run('kept <- 1');
        const result = await client.execute('tools::pskill(Sys.getpid(), 11L)');
        assert.strictEqual(result.status, 'kernelDied');
        await client.waitFor(() => lastDead(client) !== undefined);
        assert.match(lastDead(client)!.reason!, /R crashed \(caught segfault\)/);
        assert.match(lastDead(client)!.stderrTail!, /Possible actions/);
        assert.strictEqual(lastDead(client)!.deathCause, 'died');
        assert.strictEqual(lastDead(client)!.restartInMs, 250, 'the first automatic restart comes after 0.25 s');
        await client.waitFor(() => client.lastStatus()?.state === 'idle' && client.lastStatus()?.pid !== firstPid, 20000, 'new kernel');
        assert.strictEqual(client.statuses.find((s) => s.state === 'restarting')?.startCause, 'automatic');
        assert.ok(!isRunning(firstPid));
        assert.strictEqual(await client.run('exists("kept")'), '[1] FALSE\n');
        const reset = client.symbols.filter((s) => s.reset);
        assert.ok(reset.length >= 2, 'the variables were reset when R died and when it came back');
    });

    it('announces a new R as idle, with its pid, at its start and after a restart (not busy with its own first requests)', async () => {
        // With the help viewer and plot settings, the capabilities have requests of their own for each new R.
        const client = await start({ init: { helpViewer: true } });
        await client.connection.sendNotification('r/plotSettings', { width: 400, height: 300 });
        // The settings reach this R first (an execution queued behind them ends after them).
        await client.run('1');
        client.statuses.splice(0);
        await client.connection.sendRequest(RestartRequest, {});
        assert.deepStrictEqual(
            client.statuses.filter((s) => !s.notice).map((s) => `${s.state}${s.pid ? ' pid' : ''}`).slice(0, 2),
            ['restarting', 'idle pid'],
        );
    });

    it('announces a new R as idle, with its pid, at its first start', async () => {
        const client = await start();
        const states = () => client.statuses.filter((s) => !s.notice).map((s) => `${s.state}${s.pid ? ' pid' : ''}`);
        // R started before initialize (kernel/prestart.ts) has its pid when the session announces it.
        assert.deepStrictEqual(states().slice(0, 2), ['starting pid', 'idle pid']);
    });

    it('restarts on request: fresh state, pending executions end, variables reset', async () => {
        const client = await start();
        const firstPid = client.lastStatus()!.pid!;
        await client.run('old <- 1');
        const running = client.execute({ code: 'Sys.sleep(100)', executionId: 'long' });
        const queued = client.execute('2');
        await client.waitFor(() => client.states.some((s) => s.executionId === 'long' && s.state === 'running'));
        const restarted = await client.connection.sendRequest(RestartRequest, {});
        assert.notStrictEqual(restarted.pid, firstPid);
        assert.strictEqual((await running).status, 'kernelDied');
        assert.strictEqual((await queued).status, 'cancelled');
        assert.strictEqual(client.lastStatus()?.state, 'idle');
        assert.strictEqual(await client.run('exists("old")'), '[1] FALSE\n');
        assert.ok(!isRunning(firstPid));
    });

    it('says which setting to change when R is not found', async () => {
        const client = await start({ init: { rPath: '/nonexistent/bin/R' }, noWait: true });
        await client.waitFor(() => lastDead(client) !== undefined);
        assert.match(lastDead(client)!.reason!, /R was not found.*rPath/s);
        assert.strictEqual(lastDead(client)!.deathCause, 'startFailed');
        const result = await client.execute('1');
        assert.strictEqual(result.status, 'kernelDied');
        assert.match(result.error!.message, /not found/);
    });

    it('says how to install jsonlite when it is missing', async () => {
        const client = await start({ init: { env: { R_LIBS_SITE: '/nonexistent', R_LIBS_USER: '/nonexistent', R_LIBS: '' } }, noWait: true });
        await client.waitFor(() => lastDead(client) !== undefined, 20000);
        assert.match(lastDead(client)!.reason!, /jsonlite.*install\.packages\("jsonlite"\).*r-cran-jsonlite/s);
    });

    it('refuses an R that is too old and a kernel that speaks another protocol version', async () => {
        for (const [hello, expected] of [
            [{ protocol: KERNEL_PROTOCOL_VERSION, rVersion: '3.6.3' }, /R 3\.6\.3 is too old: R 4\.1\.0 or newer/],
            [{ protocol: 99, rVersion: '4.2.2' }, new RegExp(`protocol version 99, but this server expects version ${KERNEL_PROTOCOL_VERSION}`)],
        ] as const) {
            const kernelDir = makeFakeKernel(`send_hello(${JSON.stringify(JSON.stringify({ ...hello, pid: 1, rlang: false, jsonlite: '1.8' }))})`);
            const client = await start({ env: { RBRIDGE_KERNEL_DIR: kernelDir }, noWait: true });
            await client.waitFor(() => lastDead(client) !== undefined, 20000);
            assert.match(lastDead(client)!.reason!, expected);
            await client.stop();
        }
    });

    it('reports an R that crashes at start-up with what it printed, without restarting in a loop', async () => {
        const rPath = makeFakeR('echo "fatal: cannot start" >&2; exit 7');
        const client = await start({ init: { rPath, autoRestart: true }, noWait: true });
        await client.waitFor(() => lastDead(client) !== undefined);
        assert.match(lastDead(client)!.reason!, /exited with code 7.*fatal: cannot start/s);
        // What is tested is that nothing happens: no restart. 1.5 s is longer
        // than the first automatic restart delay (RESTART_DELAYS_MS[0],
        // 250 ms) with room to start; no event announces a restart that
        // should not come.
        await new Promise((r) => setTimeout(r, 1500));
        assert.strictEqual(client.statuses.filter((s) => s.state === 'dead').length, 1);
        assert.strictEqual(client.lastStatus()?.state, 'dead', 'a failed start-up is not retried');
    });

    it('stops a kernel that writes garbage instead of its secret', async () => {
        const kernelDir = makeFakeKernel('writeBin(charToRaw("garbage\\n"), output); flush(output); Sys.sleep(30)');
        const client = await start({ env: { RBRIDGE_KERNEL_DIR: kernelDir }, noWait: true });
        await client.waitFor(() => lastDead(client) !== undefined, 20000);
        assert.match(lastDead(client)!.reason!, /without the launch secret/);
    });

    it('gives up on a kernel that never says hello', async () => {
        const kernelDir = makeFakeKernel('Sys.sleep(60)');
        const client = await start({ env: { RBRIDGE_KERNEL_DIR: kernelDir, RBRIDGE_START_TIMEOUT_MS: '2000' }, noWait: true });
        await client.waitFor(() => lastDead(client) !== undefined, 20000);
        assert.match(lastDead(client)!.reason!, /did not start within 2 s/);
    });

    it('runs the working directory .Rprofile only in a trusted workspace', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-trust-'));
        const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-home-'));
        fs.writeFileSync(path.join(dir, '.Rprofile'), 'workspace_profile_ran <- TRUE\n');
        fs.writeFileSync(path.join(home, '.Rprofile'), 'home_profile_ran <- TRUE\n');
        const untrusted = await start({ init: { cwd: dir, workspaceTrusted: false, env: { HOME: home } } });
        assert.strictEqual(await untrusted.run('c(exists("workspace_profile_ran"), exists("home_profile_ran"))'), '[1] FALSE  TRUE\n');
        await untrusted.stop();
        const trusted = await start({ init: { cwd: dir, workspaceTrusted: true, env: { HOME: home } } });
        assert.strictEqual(await trusted.run('c(exists("workspace_profile_ran"), exists("home_profile_ran"))'), '[1]  TRUE FALSE\n');
        assert.strictEqual(await trusted.run('basename(getwd())'), `[1] "${path.basename(dir)}"\n`);
    });

    it('listens on no network address and keeps its secrets out of R', async () => {
        const client = await start();
        const pids = [client.process.pid!, client.lastStatus()!.pid!];
        const inodes = new Set(pids.flatMap((pid) => [...socketInodes(pid)]));
        for (const socket of inetSockets()) assert.ok(!inodes.has(socket.inode), `server or R holds a ${socket.table} socket: ${JSON.stringify(socket)}`);
        assert.strictEqual(await client.run('unname(Sys.getenv(c("RBRIDGE_SECRET", "RBRIDGE_TO_KERNEL")))'), '[1] "" ""\n');
    });

    it('exits cleanly when the client goes away, stopping R', async () => {
        const client = await start();
        const rPid = client.lastStatus()!.pid!;
        const running = client.execute({ code: 'Sys.sleep(100)', executionId: 'left-running' });
        void running.catch(() => undefined);
        client.execute('1').catch(() => undefined);
        // The client goes away while R is busy with it.
        await client.waitFor(() => client.states.some((s) => s.executionId === 'left-running' && s.state === 'running'), 10000, 'Sys.sleep(100) running');
        client.process.stdin!.end();
        await client.waitFor(() => client.exitCode !== undefined, 8000, 'server exit');
        assert.strictEqual(client.exitCode, 0);
        await client.waitFor(() => !isRunning(rPid), 5000, 'R exit');
    });
});
