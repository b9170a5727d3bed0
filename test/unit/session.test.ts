/**
 * Session and its work queue driven through a fake kernel: no R, no
 * processes. The fake records what the session sends and lets each test
 * play the kernel's part (ready, done, markers, responses, death).
 */
import * as assert from 'assert';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import type {
    ConditionParams,
    ExecuteResult,
    ExecutionStateParams,
    KernelStatusParams,
    OutputParams,
    SymbolsChangedParams,
} from '../../common/protocol';
import type { StreamEvent } from '../../server/src/kernel/outputStream';
import type { ExitInfo, Hello, Kernel, KernelEvents, KernelOptions } from '../../server/src/kernel/process';
import { KernelStartError } from '../../server/src/kernel/process';
import { ExecFlags, FromKernel, ToKernel } from '../../server/src/kernel/wire';
import { RESTART_DELAYS_MS, RestartPolicy } from '../../server/src/session/restartPolicy';
import { Session, SessionClient } from '../../server/src/session/session';
import { IDLE_GAP_MS, WARMUP_DELAY_MS } from '../../server/src/session/warmup';

const HELLO: Hello = { protocol: 4, pid: 4242, rVersion: '4.3.0', rlang: true, jsonlite: '1.8.0' };
const NO_SYMBOLS: SymbolsChangedParams = { added: [], changed: [], removed: [] };

class FakeKernel implements Kernel {
    readonly sent: ToKernel[] = [];
    readonly grants: number[] = [];
    revokable = true;
    interrupts = 0;
    pid: number | undefined = 4242;
    hello: Hello | undefined;
    killedWith: string | undefined;
    private markExited!: () => void;
    readonly exited = new Promise<void>((resolve) => (this.markExited = resolve));
    private startResult: { resolve: (h: Hello) => void; reject: (e: Error) => void } | undefined;

    constructor(
        readonly options: KernelOptions,
        readonly events: KernelEvents,
    ) {}

    start(): Promise<Hello> {
        return new Promise((resolve, reject) => (this.startResult = { resolve, reject }));
    }
    /** Plays the kernel's handshake: hello, then ready. */
    ready(symbols: SymbolsChangedParams = NO_SYMBOLS): void {
        this.hello = HELLO;
        this.events.message({ kind: 'ready', symbols });
        this.startResult?.resolve(HELLO);
    }
    failStart(message: string): void {
        this.pid = undefined;
        this.markExited();
        this.startResult?.reject(new KernelStartError(message));
    }
    /** Rounds of `kernel/compile` the session asked for (answered at once, and kept out of `sent`). */
    compiles = 0;
    /** What the next `kernel/compile` round answers is left to compile. */
    compileRemaining = 0;
    send(message: ToKernel): void {
        if (message.kind === 'request' && message.method === 'kernel/compile') {
            this.compiles++;
            const remaining = this.compileRemaining;
            this.compileRemaining = Math.max(0, remaining - 1);
            queueMicrotask(() => this.events.message({ kind: 'response', id: message.id, result: { remaining } }));
            return;
        }
        this.sent.push(message);
    }
    grant(id: number): void {
        this.grants.push(id);
    }
    revoke(ids: number[]): Set<number> {
        if (!this.revokable) return new Set();
        const taken = new Set(ids.filter((id) => this.grants.includes(id)));
        for (const id of taken) this.grants.splice(this.grants.indexOf(id), 1);
        return taken;
    }
    holdGrants(): void {}
    releaseGrants(): void {}
    interrupt(): boolean {
        this.interrupts++;
        return true;
    }
    pauseOutput(): void {}
    kill(reason: string): void {
        this.killedWith = reason;
        this.die({ code: null, signal: 'SIGKILL', stderrTail: '', reason, cause: 'stopped' });
    }
    async shutdown(): Promise<void> {
        this.die({ code: 0, signal: null, stderrTail: '', reason: 'shut down', cause: 'stopped' });
    }
    die(info: ExitInfo): void {
        this.events.exit(info);
        this.markExited();
    }

    // The kernel's side of an execution.
    message(message: FromKernel): void {
        this.events.message(message);
    }
    output(stream: 'stdout' | 'stderr', ...events: StreamEvent[]): void {
        this.events.output(stream, events);
    }
    /** Ends execution `id` as the kernel does: markers on both streams, then done. */
    finish(id: number, status: 'ok' | 'error' = 'ok', line = 0): void {
        this.output('stdout', { kind: 'marker', id: String(id) });
        this.output('stderr', { kind: 'marker', id: String(id) });
        this.message({ kind: 'done', id, status, line, ...(status === 'error' ? { message: 'boom', call: null } : {}) });
    }
    execs(): Extract<ToKernel, { kind: 'exec' }>[] {
        return this.sent.filter((m): m is Extract<ToKernel, { kind: 'exec' }> => m.kind === 'exec');
    }
}

/** A session on fake kernels, with everything it tells its client in one ordered log. */
function harness(options: { autoRestart?: boolean } = {}) {
    const kernels: FakeKernel[] = [];
    const log: string[] = [];
    const statuses: KernelStatusParams[] = [];
    const outputs: OutputParams[] = [];
    const conditions: ConditionParams[] = [];
    const states: ExecutionStateParams[] = [];
    const client: SessionClient = {
        output: async (p) => void outputs.push(p),
        executionState: (p) => void states.push(p),
        condition: (p) => void conditions.push(p),
        symbolsChanged: (p) => void log.push(`symbols${p.reset ? ' reset' : ''}`),
        kernelStatus: (p) => {
            statuses.push(p);
            log.push(`status ${p.state}`);
        },
        plot: (p) => void log.push(`plot ${p.plotId} ${p.kind}`),
        plotsChanged: (p) => void log.push(`plots ${p.reason} ${p.removed.join(',')}`),
        dataViewOpen: (p) => void log.push(`view ${p.viewId}`),
        dataViewChanged: (p) => void log.push(`view ${p.viewId} changed`),
        showHelp: (p) => void log.push(`help ${p.topic}`),
        showHelpMatches: (p) => void log.push(`help matches ${p.query}`),
        jobState: (p) => void log.push(`job ${p.jobId} ${p.state}`),
        jobOutput: (p) => void log.push(`job ${p.jobId} output`),
        jobProgress: (p) => void log.push(`job ${p.jobId} progress`),
        breakpointsChanged: (p) => void log.push(`breakpoints ${p.uri}`),
        input: () => new Promise(() => undefined),
        log: () => undefined,
    };
    const session = new Session(
        {
            rPath: 'R',
            rArgs: [],
            kernelDir: '/nonexistent',
            autoRestart: options.autoRestart ?? false,
            workspaceTrusted: false,
            createKernel: (kernelOptions, events) => {
                const kernel = new FakeKernel(kernelOptions, events);
                kernels.push(kernel);
                return kernel;
            },
        },
        client,
    );
    const run = (code: string, extra: object = {}) =>
        session.execute({ code, ...extra }).then((r: ExecuteResult) => {
            log.push(`result ${r.executionId} ${r.status}`);
            return r;
        });
    return { session, kernels, log, statuses, outputs, conditions, states, run, kernel: () => kernels[kernels.length - 1] };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function started(options: { autoRestart?: boolean } = {}) {
    const h = harness(options);
    const starting = h.session.start();
    await tick();
    h.kernel().ready();
    await starting;
    return h;
}

describe('Session with a fake kernel', () => {
    it('announces the first start with its cause, then idle', async () => {
        const h = await started();
        assert.deepStrictEqual(
            h.statuses.map((s) => [s.state, s.startCause]),
            [
                ['starting', 'initial'],
                ['idle', undefined],
            ],
        );
        assert.strictEqual(h.kernel().options.profile, 'home', 'an untrusted workspace runs only the home profile');
    });

    it("compiles the kernel's functions while R is idle after it starts, a round at a time, in the background", async () => {
        const h = harness();
        const starting = h.session.start();
        await tick();
        const k = h.kernel();
        k.compileRemaining = 2;
        k.ready();
        await starting;
        assert.strictEqual(k.compiles, 0, 'R is left alone for a moment after it starts');
        await new Promise((resolve) => setTimeout(resolve, WARMUP_DELAY_MS + IDLE_GAP_MS + 50));
        for (let i = 0; i < 5; i++) await tick();
        assert.strictEqual(k.compiles, 3, 'rounds go on while the kernel says some remain');
        assert.deepStrictEqual(
            h.statuses.map((s) => s.state),
            ['starting', 'idle'],
            'the rounds do not make R busy',
        );
    });

    it('runs executions in order, sending the next ones ahead with grants', async () => {
        const h = await started();
        const results = [h.run('1'), h.run('2', { stopOnError: false }), h.run('3', { echo: true })];
        const k = h.kernel();
        assert.deepStrictEqual(
            k.execs().map((m) => [m.code, m.flags]),
            [
                ['1', ExecFlags.stopOnError],
                ['2', ExecFlags.claim],
                ['3', ExecFlags.stopOnError | ExecFlags.echo | ExecFlags.claim],
            ],
        );
        assert.deepStrictEqual(k.grants, [2, 3]);
        k.output('stdout', { kind: 'text', text: '[1] 1\n' });
        k.finish(1);
        k.output('stdout', { kind: 'text', text: '[1] 2\n' });
        k.finish(2);
        k.finish(3);
        const answers = await Promise.all(results);
        assert.deepStrictEqual(
            answers.map((r) => r.status),
            ['ok', 'ok', 'ok'],
        );
        assert.deepStrictEqual(
            h.outputs.map((o) => [o.executionId, o.text]),
            [
                ['e1', '[1] 1\n'],
                ['e2', '[1] 2\n'],
            ],
        );
        assert.strictEqual(h.statuses[h.statuses.length - 1].state, 'idle');
    });

    it('answers an execution only once its output has arrived on both streams', async () => {
        const h = await started();
        let answered = false;
        const result = h.run('x').then((r) => ((answered = true), r));
        const k = h.kernel();
        k.message({ kind: 'done', id: 1, status: 'ok', line: 0 });
        k.output('stdout', { kind: 'marker', id: '1' });
        await tick();
        assert.strictEqual(answered, false, 'stderr has not ended yet');
        k.output('stderr', { kind: 'text', text: 'late\n' }, { kind: 'marker', id: '1' });
        assert.strictEqual((await result).status, 'ok');
        assert.deepStrictEqual(h.outputs.map((o) => [o.executionId, o.stream, o.text]), [['e1', 'stderr', 'late\n']]);
    });

    it('queues kernel requests behind executions and sends them only while R runs nothing', async () => {
        const h = await started();
        const first = h.run('Sys.sleep(1)');
        const children = h.session.variablesRequest({ path: ['l'] });
        const second = h.run('y <- 2');
        const k = h.kernel();
        assert.deepStrictEqual(
            k.sent.map((m) => m.kind),
            ['exec'],
            'neither the request nor the execution after it goes ahead of the request',
        );
        k.finish(1);
        assert.deepStrictEqual(k.sent[1], { kind: 'request', id: 2, method: 'variables/children', params: { path: ['l'], start: 0, count: 1000 } });
        k.message({ kind: 'response', id: 2, result: { total: 1, variables: [] } });
        assert.deepStrictEqual(await children, { total: 1, variables: [] });
        assert.deepStrictEqual(k.sent[2], { kind: 'exec', id: 3, flags: ExecFlags.stopOnError, code: 'y <- 2' });
        k.finish(3);
        await Promise.all([first, second]);
    });

    it('fails a request whose handler failed in R, and goes on', async () => {
        const h = await started();
        const children = h.session.variablesRequest({ path: ['nope'] });
        h.kernel().message({ kind: 'failed', id: 1, message: "no variable named 'nope'" });
        await assert.rejects(children, (e: { code: number; message: string }) => e.code === -32603 && /no variable named/.test(e.message));
        const after = h.run('1');
        h.kernel().finish(2);
        assert.strictEqual((await after).status, 'ok');
    });

    it('drops a waiting request whose client cancelled it', async () => {
        const h = await started();
        const running = h.run('Sys.sleep(1)');
        const source = new CancellationTokenSource();
        const children = h.session.variablesRequest({ path: ['l'] }, source.token);
        source.cancel();
        await assert.rejects(children, (e: { code: number }) => e.code === -32800);
        h.kernel().finish(1);
        await running;
        assert.deepStrictEqual(
            h.kernel().sent.map((m) => m.kind),
            ['exec'],
        );
    });

    it('interrupts a kernel request R is serving, on r/interrupt and when its client cancels it', async () => {
        const h = await started();
        const k = h.kernel();
        const first = h.session.variablesRequest({ path: ['huge'] });
        assert.deepStrictEqual(h.session.interrupt(), { interrupted: false, cancelled: 0 });
        assert.strictEqual(k.interrupts, 1, 'r/interrupt reaches the request');
        k.message({ kind: 'failed', id: 1, message: 'interrupted' });
        await assert.rejects(first, (e: { code: number; message: string }) => e.code === -32603 && e.message === 'interrupted');
        const source = new CancellationTokenSource();
        const second = h.session.variablesRequest({ path: ['huge'] }, source.token);
        source.cancel();
        assert.strictEqual(k.interrupts, 2, 'a cancelled request R serves is interrupted');
        k.message({ kind: 'failed', id: 2, message: 'interrupted' });
        await assert.rejects(second, (e: { code: number }) => e.code === -32800);
    });

    it('applies the console settings before the next execution, once, and first on a new kernel', async () => {
        const h = await started();
        const k = h.kernel();
        const running = h.run('Sys.sleep(1)');
        h.session.setConsole({ width: 100 });
        h.session.setConsole({ width: 120, colors: 256 });
        const next = h.run('x');
        k.finish(1);
        await running;
        const requests = k.sent.filter((m) => m.kind === 'request');
        assert.deepStrictEqual(requests, [{ kind: 'request', id: 3, method: 'console/set', params: { width: 120, colors: 256 } }], 'only the latest settings go');
        k.message({ kind: 'response', id: 3, result: null });
        assert.strictEqual(k.sent[k.sent.length - 1].kind, 'exec');
        k.finish(4);
        await next;
        // A new kernel gets them before an execution that waited for it.
        const restarted = h.session.restart();
        await tick();
        const waiting = h.run('y');
        h.kernel().ready();
        await restarted;
        assert.deepStrictEqual(h.kernel().sent[0], { kind: 'request', id: 6, method: 'console/set', params: { width: 120, colors: 256 } });
        h.kernel().message({ kind: 'response', id: 6, result: null });
        assert.strictEqual(h.kernel().sent[1].kind, 'exec');
        h.kernel().finish(5);
        await waiting;
    });

    it('maps conditions to the document lines that raised them', async () => {
        const h = await started();
        const range = { start: { line: 9, character: 2 }, end: { line: 10, character: 5 } };
        const result = h.run('a\nwarning("w")', { uri: 'file:///a.R', range });
        const k = h.kernel();
        k.message({ kind: 'cond', id: 1, condition: 'warning', line: 2, message: 'w', call: null });
        k.message({ kind: 'cond', id: 1, condition: 'warning', line: 1, message: 'v', call: 'f()' });
        k.finish(1);
        await result;
        assert.deepStrictEqual(h.conditions, [
            { executionId: 'e1', kind: 'warning', message: 'w', line: 2, uri: 'file:///a.R', range: { start: { line: 10, character: 0 }, end: { line: 10, character: 12 } } },
            { executionId: 'e1', kind: 'warning', message: 'v', call: 'f()', line: 1, uri: 'file:///a.R', range: { start: { line: 9, character: 2 }, end: { line: 9, character: 3 } } },
        ]);
    });

    it('announces a death before it fails the executions the kernel had, with the restart to come', async () => {
        const h = await started({ autoRestart: true });
        const running = h.run('Sys.sleep(1)');
        const queued = h.run('2');
        h.kernel().die({ code: null, signal: 'SIGKILL', stderrTail: 'bye\n', cause: 'died' });
        await Promise.all([running, queued]);
        const dead = h.log.indexOf('status dead');
        assert.ok(dead >= 0 && dead < h.log.indexOf('result e1 kernelDied'), h.log.join(', '));
        assert.ok(dead < h.log.indexOf('result e2 kernelDied'));
        const status = h.statuses.find((s) => s.state === 'dead')!;
        assert.strictEqual(status.deathCause, 'died');
        assert.strictEqual(status.restartInMs, RESTART_DELAYS_MS[0]);
        assert.strictEqual(status.restartAbandoned, undefined);
        // The restart comes by itself, with its cause.
        await new Promise((resolve) => setTimeout(resolve, RESTART_DELAYS_MS[0] + 50));
        assert.strictEqual(h.kernels.length, 2);
        assert.strictEqual(h.statuses[h.statuses.length - 1].startCause, 'automatic');
        h.kernel().ready();
        await h.session.dispose();
    });

    it('says when R was quit by the code, without a restart when autoRestart is off', async () => {
        const h = await started();
        const running = h.run('quit()');
        h.kernel().die({ code: 0, signal: null, stderrTail: '', reason: 'R was quit by the code being run (quit() or q())', cause: 'quit' });
        assert.strictEqual((await running).status, 'kernelDied');
        const status = h.statuses.find((s) => s.state === 'dead')!;
        assert.strictEqual(status.deathCause, 'quit');
        assert.strictEqual(status.restartInMs, undefined);
        assert.match(status.reason!, /R was quit by the code being run.*\(R exited with code 0\)/);
        const later = await h.session.execute({ code: '1' });
        assert.strictEqual(later.status, 'kernelDied', 'nothing will restart R: answered at once');
    });

    it('reports a failed start as startFailed and fails what waited for it', async () => {
        const h = harness();
        const starting = h.session.start();
        const waiting = h.run('1');
        await tick();
        h.kernel().failStart('R was not found');
        await starting;
        assert.strictEqual((await waiting).status, 'kernelDied');
        const status = h.statuses[h.statuses.length - 1];
        assert.deepStrictEqual([status.state, status.deathCause, status.reason], ['dead', 'startFailed', 'R was not found']);
        await assert.rejects(h.session.variablesRequest({ path: ['x'] }), (e: { code: number }) => e.code === -32802);
    });

    it('restarts on request: the running execution fails, queued ones are cancelled, the cause is said', async () => {
        const h = await started();
        const running = h.run('Sys.sleep(100)');
        const queued = h.run('2');
        const restarted = h.session.restart();
        await tick();
        assert.ok(h.kernels[0].killedWith, 'the old kernel was killed');
        h.kernel().ready();
        assert.deepStrictEqual(await restarted, { pid: 4242 });
        assert.strictEqual((await running).status, 'kernelDied');
        assert.strictEqual((await queued).status, 'cancelled');
        assert.ok(!h.statuses.some((s) => s.state === 'dead'), 'a requested restart is not a death');
        assert.ok(h.statuses.some((s) => s.state === 'restarting' && s.startCause === 'requested'));
    });

    it('cancels an execution sent ahead by taking its grant back, and interrupts one R already claimed', async () => {
        const h = await started();
        const running = h.run('Sys.sleep(1)');
        const source = new CancellationTokenSource();
        const ahead = h.session.execute({ code: '2' }, source.token);
        source.cancel();
        assert.strictEqual((await ahead).status, 'cancelled');
        const k = h.kernel();
        k.revokable = false;
        const claimed = new CancellationTokenSource();
        const late = h.session.execute({ code: '3' }, claimed.token);
        claimed.cancel();
        k.finish(1);
        await running;
        assert.ok(k.interrupts > 0, 'the claimed execution is interrupted once it runs');
        k.message({ kind: 'done', id: 3, status: 'interrupted', line: 1, message: 'interrupted', call: null });
        k.finish(3);
        assert.strictEqual((await late).status, 'interrupted');
    });

    it('sends an unresponsive notice as a notice, keeping the state', async () => {
        const h = await started();
        void h.run('repeat {}');
        h.session.interrupt();
        await new Promise((resolve) => setTimeout(resolve, 2150));
        const notice = h.statuses.find((s) => s.notice === 'unresponsive');
        assert.ok(notice, 'a notice came');
        assert.strictEqual(notice.state, 'busy');
        assert.match(notice.reason!, /not responding to the interrupt/);
        await h.session.dispose();
    });
});

describe('RestartPolicy', () => {
    it('restarts after growing delays, then gives up within the window, and starts again after it', () => {
        const policy = new RestartPolicy();
        const t0 = 1_000_000;
        assert.deepStrictEqual(
            [0, 1, 2, 3, 4].map((i) => policy.next(t0 + i)),
            RESTART_DELAYS_MS,
        );
        assert.strictEqual(policy.next(t0 + 10), undefined, 'the sixth death within 5 minutes is not restarted');
        assert.strictEqual(policy.next(t0 + 5 * 60 * 1000 + 10), RESTART_DELAYS_MS[0], 'old deaths are forgotten');
        policy.reset();
        assert.strictEqual(policy.next(t0), RESTART_DELAYS_MS[0]);
    });
});
