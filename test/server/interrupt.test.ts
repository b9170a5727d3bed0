import * as assert from 'assert';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { InterruptRequest, RestartRequest, VariablesRequest } from '../../common/protocol';
import { resumeCall } from '../../server/src/kernel/console';
import { TestClient } from '../support/serverClient';

describe('responsiveness and interrupts (real R)', function () {
    let client: TestClient;
    before(async () => {
        client = await TestClient.start();
    });
    after(async () => {
        await client?.stop();
    });

    /**
     * `code` that first says it has started: R prints this before it reaches
     * the code under test, so that its output proves R is inside the
     * execution rather than about to start it.
     */
    const INSIDE = 'inside\n';
    function announced(code: string): string {
        return `cat(${JSON.stringify(INSIDE)}); ${code}`;
    }

    /** Waits until the execution runs and R is inside its code (its announced() output has arrived). */
    async function whenRunning(executionId: string): Promise<void> {
        await client.waitFor(() => client.states.some((s) => s.executionId === executionId && s.state === 'running'), 10000, `${executionId} running`);
        await client.waitFor(() => client.textOf(executionId, 'stdout').startsWith(INSIDE), 10000, `R inside ${executionId} (its first output)`);
    }

    it('answers r/status and top-level r/variables at once while R is busy', async () => {
        await client.run('big <- 1:10; other <- "x"');
        const sleeping = client.execute({ code: announced('Sys.sleep(2)'), executionId: 'sleepy' });
        await whenRunning('sleepy');
        const t0 = performance.now();
        const status = await client.status();
        const statusMs = performance.now() - t0;
        const t1 = performance.now();
        const vars = await client.connection.sendRequest(VariablesRequest, {});
        const varsMs = performance.now() - t1;
        assert.strictEqual(status.state, 'busy');
        assert.strictEqual(status.running?.executionId, 'sleepy');
        assert.ok(status.running!.elapsedMs > 0);
        assert.deepStrictEqual(vars.variables.map((v) => v.name), ['big', 'other']);
        // Generous bounds: this proves the answer does not wait for R (2 s).
        assert.ok(statusMs < 250 && varsMs < 250, `status ${statusMs} ms, variables ${varsMs} ms`);
        // What needs R waits its turn behind the running execution, several requests at once.
        const order: string[] = [];
        const children = client.connection.sendRequest(VariablesRequest, { path: ['big'] }).then((r) => (order.push('children'), r));
        const refreshed = client.connection.sendRequest(VariablesRequest, { refresh: true }).then((r) => (order.push('refresh'), r));
        const slept = sleeping.then((r) => (order.push('execution'), r));
        assert.strictEqual((await slept).status, 'ok');
        assert.strictEqual((await children).total, 0, 'an integer vector has no children');
        assert.deepStrictEqual((await refreshed).variables.map((v) => v.name), ['big', 'other']);
        assert.deepStrictEqual(order, ['execution', 'children', 'refresh']);
    });

    for (const [label, code] of [
        ['Sys.sleep(100)', 'Sys.sleep(100)'],
        ['repeat {}', 'repeat {}'],
        ['a long computation', 'for (i in 1:1e9) x <- sqrt(i)'],
        // The kernel evaluates a line longer than R's console reads itself.
        ['a line longer than R reads at once', `long <- "${'a'.repeat(5000)}"; Sys.sleep(100)`],
    ]) {
        it(`interrupts ${label}; R keeps its variables and runs the next execution`, async () => {
            await client.run('keep <- 123');
            const id = `int-${label}`;
            const running = client.execute({ code: announced(code), executionId: id });
            const queued = client.execute('keep + 1');
            await whenRunning(id);
            const answer = await client.connection.sendRequest(InterruptRequest, { keepQueue: true });
            assert.deepStrictEqual(answer, { interrupted: true, cancelled: 0 });
            const result = await running;
            assert.strictEqual(result.status, 'interrupted');
            const next = await queued;
            assert.strictEqual(next.status, 'ok');
            assert.strictEqual(client.textOf(next.executionId, 'stdout'), '[1] 124\n');
        });
    }

    it("runs the user's options(error) handler on an interrupt, as R does, and goes on", async () => {
        await client.run('options(error = function() cat("the handler ran\\n"))');
        const running = client.execute({ code: announced('Sys.sleep(100)'), executionId: 'with-handler' });
        await whenRunning('with-handler');
        await client.connection.sendRequest(InterruptRequest, {});
        assert.strictEqual((await running).status, 'interrupted');
        await client.waitFor(() => client.textOf('with-handler', 'stdout').includes('the handler ran'), 5000, 'the handler\'s output');
        await client.run('options(error = NULL)');
        assert.strictEqual(await client.run('keep <- 1; keep + 1'), '[1] 2\n');
    });

    it('interrupts a command R waits for in system(), and the code after it', async () => {
        // R ignores SIGINT while system() waits; the interrupt goes to R's
        // process group, as a terminal's Ctrl+C does, and stops the command.
        const t0 = performance.now();
        const single = client.execute({ code: announced('system("sleep 100")'), executionId: 'system-1' });
        await whenRunning('system-1');
        await client.connection.sendRequest(InterruptRequest, {});
        // system() then returns as after any failed command (status ok);
        // nothing else of the execution was left to interrupt.
        assert.ok(['ok', 'interrupted'].includes((await single).status));
        const multi = client.execute({ code: announced('system("sleep 100")\nreached <- TRUE\nSys.sleep(100)'), executionId: 'system-2' });
        await whenRunning('system-2');
        await client.connection.sendRequest(InterruptRequest, {});
        // The interrupt is repeated while the execution runs: what follows
        // the command is interrupted too.
        assert.strictEqual((await multi).status, 'interrupted');
        assert.ok(performance.now() - t0 < 20000, 'both ended long before the sleeps would have');
        assert.strictEqual(await client.run('system("sleep 0.1"); 5'), '[1] 5\n');
    });

    it('cancels the queue on interrupt unless keepQueue', async () => {
        const running = client.execute({ code: announced('Sys.sleep(100)'), executionId: 'head' });
        const queued = [client.execute('1'), client.execute('2')];
        await whenRunning('head');
        const answer = await client.connection.sendRequest(InterruptRequest, {});
        assert.deepStrictEqual(answer, { interrupted: true, cancelled: 2 });
        assert.strictEqual((await running).status, 'interrupted');
        for (const q of queued) assert.strictEqual((await q).status, 'cancelled');
        assert.strictEqual(await client.run('1'), '[1] 1\n');
    });

    it('$/cancelRequest removes a queued execution unevaluated and interrupts the running one', async () => {
        await client.run('touched <- FALSE');
        const runningToken = new CancellationTokenSource();
        const queuedToken = new CancellationTokenSource();
        const running = client.execute({ code: announced('Sys.sleep(100)'), executionId: 'c-run' }, runningToken);
        const queued = client.execute({ code: 'touched <- TRUE', executionId: 'c-queued' }, queuedToken);
        const after = client.execute('touched');
        await whenRunning('c-run');
        queuedToken.cancel();
        assert.strictEqual((await queued).status, 'cancelled');
        runningToken.cancel();
        assert.strictEqual((await running).status, 'interrupted');
        assert.strictEqual(client.textOf((await after).executionId, 'stdout'), '[1] FALSE\n');
    });

    it('says when R ignores interrupts, and a restart then ends it', async () => {
        // Announced from within the handler: an interrupt that lands before
        // it (while R compiles the loop) interrupts the code, as in R.
        const running = client.execute({
            code: 'said <- FALSE; repeat tryCatch({ if (!said) { said <- TRUE; cat(' + JSON.stringify(INSIDE) + ') }; Sys.sleep(0.05) }, interrupt = function(e) NULL)',
            executionId: 'stubborn',
        });
        await whenRunning('stubborn');
        await client.connection.sendRequest(InterruptRequest, {});
        await client.waitFor(() => client.statuses.some((s) => s.notice === 'unresponsive'), 10000, 'unresponsive status');
        const status = client.statuses.find((s) => s.notice === 'unresponsive')!;
        assert.strictEqual(status.state, 'busy');
        assert.match(status.reason!, /not responding to the interrupt/);
        await client.connection.sendRequest(RestartRequest, {});
        assert.strictEqual((await running).status, 'kernelDied');
        assert.strictEqual(await client.run('1'), '[1] 1\n');
    });

    it('survives interrupts that land while R is idle', async () => {
        for (let i = 0; i < 20; i++) {
            await client.connection.sendRequest(InterruptRequest, {});
            process.kill(client.lastStatus()!.pid!, 'SIGINT');
            assert.strictEqual(await client.run(`${i}`), `[1] ${i}\n`);
        }
    });

    /**
     * A line R reads after the kernel has moved on (the server's resume call
     * for a prompt an interrupt cut short, when the kernel writes its own)
     * is taken out of R's input when the kernel next writes there, and R
     * never reads two lines at once. Here the code itself writes such a
     * line to R's input, before it ends and before it fails. Were those
     * lines left (R would answer each with another prompt, and the server
     * with another resume call), they would go on from execution to
     * execution, and with more than five the server would take R for stuck
     * and stop it.
     */
    it('takes a line R need not read out of its input before the kernel writes one', async () => {
        const pid = client.lastStatus()!.pid;
        const write = `con <- file("/proc/self/fd/0", "w"); writeLines(${JSON.stringify(resumeCall(0))}, con); close(con)`;
        for (let i = 0; i < 8; i++) {
            assert.strictEqual(await client.run(`${write}; ${i}`), `[1] ${i}\n`);
            const failed = await client.execute(`${write}; stop("e${i}")`);
            assert.strictEqual(failed.status, 'error');
            assert.strictEqual(failed.error?.message, `e${i}`);
        }
        for (let i = 0; i < 20; i++) assert.strictEqual(await client.run(`${i}`), `[1] ${i}\n`);
        assert.strictEqual(client.lastStatus()!.pid, pid, 'the same R');
        assert.ok(!client.logs.some((l) => /no longer hands control/.test(l)), client.logs.join('\n'));
    });
});
