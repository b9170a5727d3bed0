/**
 * VS Code's debugger for R at the level of the Debug Adapter Protocol: the
 * extension's own adapter (as VS Code gets it for a debug session of type
 * 'r'), against the real session and R, spoken to as VS Code does, through
 * handleMessage, its responses and events collected from onDidSendMessage.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RBridgeApi } from '../../client/src/api';
import { consoleShows, executed, openR, readyR, rOk, settled, waitForEvent, waitUntil } from './helpers';

/** How long a test waits for R's stop, the end of a run, an answer. */
const WAIT_MS = 30_000;

type Message = DebugProtocol.ProtocolMessage;

/** VS Code's side of the wire, as a test drives it: requests with their responses, and the adapter's events in order. */
class DapClient {
    private seq = 1;
    private readonly pending = new Map<number, (response: DebugProtocol.Response) => void>();
    /** Events not yet taken by nextEvent(), oldest first. */
    private readonly events: DebugProtocol.Event[] = [];
    /** Every event, in order (for assertions on what came between two points). */
    readonly log: DebugProtocol.Event[] = [];
    private readonly arrived = new vscode.EventEmitter<void>();

    constructor(readonly adapter: vscode.DebugAdapter) {
        adapter.onDidSendMessage((m) => this.receive(m as Message));
    }

    private receive(message: Message): void {
        if (message.type === 'response') {
            const response = message as DebugProtocol.Response;
            this.pending.get(response.request_seq)?.(response);
            this.pending.delete(response.request_seq);
        } else if (message.type === 'event') {
            this.events.push(message as DebugProtocol.Event);
            this.log.push(message as DebugProtocol.Event);
            this.arrived.fire();
        }
    }

    /** Sends a request; resolves with its response (rejects, with the adapter's message, when it failed). */
    async request<R extends DebugProtocol.Response>(command: string, args?: unknown, ms = WAIT_MS): Promise<R> {
        const response = await this.send(command, args, ms);
        if (!response.success) throw new Error(`${command} failed: ${response.message}`);
        return response as R;
    }

    /** Sends a request; resolves with its response, failed or not. */
    send(command: string, args?: unknown, ms = WAIT_MS): Promise<DebugProtocol.Response> {
        const seq = this.seq++;
        const request: DebugProtocol.Request = { seq, type: 'request', command, arguments: args };
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no response to ${command} within ${ms} ms`)), ms);
            this.pending.set(seq, (response) => {
                clearTimeout(timer);
                resolve(response);
            });
            this.adapter.handleMessage(request);
        });
    }

    /** The next event not yet taken, if it is `name` (other events before it are skipped); waits for it. */
    async nextEvent<E extends DebugProtocol.Event>(name: string, ms = WAIT_MS): Promise<E> {
        const deadline = Date.now() + ms;
        for (;;) {
            const index = this.events.findIndex((e) => e.event === name);
            if (index >= 0) return this.events.splice(0, index + 1).pop() as E;
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`no ${name} event within ${ms} ms; events so far: ${this.log.map((e) => e.event).join(', ')}`);
            await waitForEvent(this.arrived.event, () => true, `a ${name} event`, left).catch(() => undefined);
        }
    }

    /** The events after the `from`th one (in log order) named `name`. */
    eventsSince(from: number, name: string): DebugProtocol.Event[] {
        return this.log.slice(from).filter((e) => e.event === name);
    }

    /** initialize, as VS Code sends it. */
    async initialize(): Promise<DebugProtocol.Capabilities> {
        const response = await this.request<DebugProtocol.InitializeResponse>('initialize', {
            clientID: 'vscode',
            adapterID: 'r',
            linesStartAt1: true,
            columnsStartAt1: true,
            pathFormat: 'path',
            supportsVariablePaging: true,
            supportsVariableType: true,
        });
        return response.body ?? {};
    }

    /**
     * launch (or attach), then the breakpoints of `file` and configurationDone
     * once the adapter says `initialized`, as VS Code does; resolves with
     * the breakpoints' answer.
     */
    async start(
        request: 'launch' | 'attach',
        args: Record<string, unknown>,
        breakpoints: { file: string; lines: DebugProtocol.SourceBreakpoint[] }[] = [],
    ): Promise<DebugProtocol.Breakpoint[][]> {
        await this.initialize();
        const started = this.request(request, args, 60_000);
        await this.nextEvent('initialized', 60_000);
        const answers: DebugProtocol.Breakpoint[][] = [];
        for (const { file, lines } of breakpoints) answers.push(await this.setBreakpoints(file, lines));
        await this.request('configurationDone');
        await started;
        return answers;
    }

    async setBreakpoints(file: string, breakpoints: DebugProtocol.SourceBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
        const response = await this.request<DebugProtocol.SetBreakpointsResponse>('setBreakpoints', {
            source: { path: file, name: path.basename(file) },
            breakpoints,
        });
        return response.body.breakpoints;
    }

    async stackTrace(): Promise<DebugProtocol.StackFrame[]> {
        return (await this.request<DebugProtocol.StackTraceResponse>('stackTrace', { threadId: 1 })).body.stackFrames;
    }

    async scopes(frameId: number): Promise<DebugProtocol.Scope[]> {
        return (await this.request<DebugProtocol.ScopesResponse>('scopes', { frameId })).body.scopes;
    }

    async variables(variablesReference: number, extra: Partial<DebugProtocol.VariablesArguments> = {}): Promise<DebugProtocol.Variable[]> {
        return (await this.request<DebugProtocol.VariablesResponse>('variables', { variablesReference, ...extra })).body.variables;
    }

    async evaluate(expression: string, frameId: number | undefined, context: string): Promise<DebugProtocol.EvaluateResponse['body']> {
        return (await this.request<DebugProtocol.EvaluateResponse>('evaluate', { expression, frameId, context })).body;
    }

    /**
     * The locals of a frame (default the top one), by name. An argument R
     * has not evaluated yet is lazy: its value is asked for, as a click on
     * it in VS Code does, and `lazy` lists those.
     */
    async locals(frame?: DebugProtocol.StackFrame): Promise<{ frame: DebugProtocol.StackFrame; values: Record<string, DebugProtocol.Variable>; lazy: string[] }> {
        frame ??= (await this.stackTrace())[0];
        const scopes = await this.scopes(frame.id);
        const locals = scopes.find((s) => s.name === 'Locals');
        assert.ok(locals, `a Locals scope: ${JSON.stringify(scopes)}`);
        const values: Record<string, DebugProtocol.Variable> = {};
        const lazy: string[] = [];
        for (const v of await this.variables(locals.variablesReference)) {
            values[v.name] = v;
            if (!v.presentationHint?.lazy) continue;
            lazy.push(v.name);
            const [forced] = await this.variables(v.variablesReference);
            values[v.name] = forced;
        }
        return { frame, values, lazy };
    }

    /** Ends the session as VS Code's Stop does, and lets go of the adapter. */
    async close(): Promise<void> {
        await this.send('disconnect', { restart: false }, 10_000).catch(() => undefined);
        this.adapter.dispose();
        this.arrived.dispose();
    }
}

/** Waits until R is stopped at nothing (the console's prompt is `>`, nothing runs). */
async function rIdle(r: RBridgeApi): Promise<void> {
    await settled(r, 60_000);
}

suite('Debugging R (the debug adapter, over DAP)', () => {
    let r: RBridgeApi;
    const clients: DapClient[] = [];
    const client = () => {
        const dap = new DapClient(r.debug.createAdapter());
        clients.push(dap);
        return dap;
    };

    suiteSetup(async () => {
        r = await readyR();
    });

    teardown(async () => {
        // A failed test may leave R stopped: the sessions end (Stop quits R's browser), R settles.
        for (const dap of clients.splice(0)) await dap.close();
        r.testing.overrideTrust(undefined);
        await rIdle(r);
    });

    test('initialize: configurationDone, conditional breakpoints, hover, terminate', async () => {
        const dap = client();
        const capabilities = await dap.initialize();
        assert.strictEqual(capabilities.supportsConfigurationDoneRequest, true);
        assert.strictEqual(capabilities.supportsConditionalBreakpoints, true);
        assert.strictEqual(capabilities.supportsEvaluateForHovers, true);
        assert.strictEqual(capabilities.supportsTerminateRequest, true);
        assert.deepStrictEqual(capabilities.exceptionBreakpointFilters, []);
    });

    test('stops at a breakpoint; stack, scopes, locals (paged), next, evaluate in the frame, hover, continue to the end', async () => {
        const editor = await openR('debug-scale.R', [
            'dbg_scale <- function(x, by = 2) {',
            '  items <- as.list(seq_len(250))',
            '  doubled <- x * by',
            '  shifted <- doubled + 1',
            '  shifted',
            '}',
            'dbg_out <- dbg_scale(10)',
            'cat("dbg result", dbg_out, "\\n")',
        ]);
        const file = editor.document.uri.fsPath;
        const dap = client();
        const [breakpoints] = await dap.start('launch', { program: file }, [{ file, lines: [{ line: 3 }] }]);
        assert.strictEqual(breakpoints.length, 1);
        assert.strictEqual(breakpoints[0].line, 3);
        assert.ok(typeof breakpoints[0].id === 'number', `the breakpoint has an id: ${JSON.stringify(breakpoints[0])}`);

        // The program runs as Run File runs it: the console echoes it.
        const stopped = await dap.nextEvent<DebugProtocol.StoppedEvent>('stopped', 60_000);
        assert.strictEqual(stopped.body.reason, 'breakpoint');
        assert.strictEqual(stopped.body.threadId, 1);
        assert.deepStrictEqual(stopped.body.hitBreakpointIds, [breakpoints[0].id]);
        await consoleShows(r, /> dbg_out <- dbg_scale\(10\)/, 'the launched file echoed in the console');

        const threads = (await dap.request<DebugProtocol.ThreadsResponse>('threads')).body.threads;
        assert.deepStrictEqual(
            threads.map((t) => [t.id, t.name]),
            [[1, 'R']],
        );

        // The stack: dbg_scale(10) on line 3 of the file, innermost first.
        const frames = await dap.stackTrace();
        assert.ok(frames.length >= 1, 'at least the browsed frame');
        assert.match(frames[0].name, /^dbg_scale\(10\)/);
        assert.strictEqual(frames[0].line, 3);
        assert.strictEqual(frames[0].source?.path, file);

        // Scopes: the frame's locals, then the global environment (expensive, so VS Code leaves it closed).
        const scopes = await dap.scopes(frames[0].id);
        assert.deepStrictEqual(
            scopes.map((s) => [s.name, s.expensive]),
            [
                ['Locals', false],
                ['Global', true],
            ],
        );
        const { values, lazy } = await dap.locals();
        // The arguments are promises R has not evaluated yet: lazy, evaluated when asked.
        assert.deepStrictEqual(lazy.sort(), ['by', 'x']);
        assert.match(values.x?.value ?? '', /\b10\b/, `x is 10: ${JSON.stringify(values.x)}`);
        assert.match(values.by?.value ?? '', /\b2\b/, `by is 2: ${JSON.stringify(values.by)}`);
        assert.strictEqual(values.doubled, undefined, 'doubled is not assigned yet');
        // A long list is paged: VS Code asks for a range of its children.
        const items = values.items;
        assert.ok(items && items.variablesReference > 0, `items can be expanded: ${JSON.stringify(items)}`);
        assert.strictEqual(items.indexedVariables, 250);
        const page = await dap.variables(items.variablesReference, { filter: 'indexed', start: 200, count: 50 });
        assert.strictEqual(page.length, 50);
        assert.strictEqual(page[0].name, '[[201]]');
        assert.match(page[0].value, /\b201\b/);
        assert.deepStrictEqual(await dap.variables(items.variablesReference, { filter: 'named' }), []);
        // The global environment shows the file's function (dbg_out is not assigned yet).
        const globals = await dap.variables(scopes[1].variablesReference);
        assert.ok(globals.some((v) => v.name === 'dbg_scale'), `dbg_scale among the globals: ${globals.map((v) => v.name).join(', ')}`);

        // Step over: the next line, with doubled assigned.
        const continuedBefore = dap.log.length;
        await dap.request('next', { threadId: 1 });
        const step = await dap.nextEvent<DebugProtocol.StoppedEvent>('stopped');
        assert.strictEqual(step.body.reason, 'step');
        assert.ok(dap.eventsSince(continuedBefore, 'continued').length >= 1, 'continued before the next stop');
        const after = await dap.locals();
        assert.strictEqual(after.frame.line, 4);
        assert.match(after.values.doubled?.value ?? '', /\b20\b/);

        // The debug console evaluates in the frame; a hover looks a name up.
        const sum = await dap.evaluate('doubled + x', after.frame.id, 'repl');
        assert.match(sum.result, /\[1\] 30/);
        const hover = await dap.evaluate('by', after.frame.id, 'hover');
        assert.match(hover.result, /2/);
        const failed = await dap.send('evaluate', { expression: 'stop("no such thing")', frameId: after.frame.id, context: 'repl' });
        assert.strictEqual(failed.success, false);
        assert.match(failed.message ?? '', /no such thing/);
        // A value with children can be opened from the console.
        const list = await dap.evaluate('items', after.frame.id, 'repl');
        assert.ok(list.variablesReference > 0, `items from the console can be expanded: ${JSON.stringify(list)}`);

        // Continue: the run ends, and the session with it.
        const before = dap.log.length;
        await dap.request('continue', { threadId: 1 });
        await dap.nextEvent('terminated', 60_000);
        assert.deepStrictEqual(dap.eventsSince(before, 'stopped'), [], 'no more stops');
        await consoleShows(r, /dbg result 21/, 'the file’s output after continuing');
    });

    test('a conditional breakpoint stops only when its condition is TRUE', async () => {
        const editor = await openR('debug-condition.R', [
            'dbg_square <- function(i) {',
            '  sq <- i^2',
            '  sq',
            '}',
            'dbg_total <- 0',
            'for (k in 1:5) dbg_total <- dbg_total + dbg_square(k)',
            'cat("dbg total", dbg_total, "\\n")',
        ]);
        const file = editor.document.uri.fsPath;
        const dap = client();
        await dap.start('launch', { program: file }, [{ file, lines: [{ line: 2, condition: 'i == 3' }] }]);
        const stopped = await dap.nextEvent<DebugProtocol.StoppedEvent>('stopped', 60_000);
        assert.strictEqual(stopped.body.reason, 'breakpoint');
        const [frame] = await dap.stackTrace();
        assert.strictEqual(frame.line, 2);
        assert.match((await dap.evaluate('i', frame.id, 'watch')).result, /\[1\] 3/);
        const before = dap.log.length;
        await dap.request('continue', { threadId: 1 });
        await dap.nextEvent('terminated', 60_000);
        assert.deepStrictEqual(dap.eventsSince(before, 'stopped'), [], 'only i == 3 stops');
        await consoleShows(r, /dbg total 55/);
    });

    test('a breakpoint removed while R is stopped is not hit again', async () => {
        const editor = await openR('debug-remove.R', ['dbg_twice <- function(v) {', '  w <- v + 1', '  w', '}', 'dbg_a <- dbg_twice(1)', 'dbg_b <- dbg_twice(2)', 'cat("dbg both", dbg_a, dbg_b, "\\n")']);
        const file = editor.document.uri.fsPath;
        const dap = client();
        await dap.start('launch', { program: file }, [{ file, lines: [{ line: 2 }] }]);
        await dap.nextEvent('stopped', 60_000);
        const { values } = await dap.locals();
        assert.match(values.v?.value ?? '', /\b1\b/, 'the first call stops');
        assert.deepStrictEqual(await dap.setBreakpoints(file, []), []);
        const before = dap.log.length;
        await dap.request('continue', { threadId: 1 });
        await dap.nextEvent('terminated', 60_000);
        assert.deepStrictEqual(dap.eventsSince(before, 'stopped'), [], 'the second call does not stop');
        await consoleShows(r, /dbg both 2 3/);
    });

    test('a breakpoint moved while R is stopped takes effect from the next call', async () => {
        const editor = await openR('debug-move.R', [
            'dbg_move <- function(v) {',
            '  w <- v + 1',
            '  w * 10',
            '}',
            'dbg_m1 <- dbg_move(1)',
            'dbg_m2 <- dbg_move(2)',
            'cat("dbg moved", dbg_m1, dbg_m2, "\\n")',
        ]);
        const file = editor.document.uri.fsPath;
        const dap = client();
        await dap.start('launch', { program: file }, [{ file, lines: [{ line: 2 }] }]);
        await dap.nextEvent('stopped', 60_000);
        assert.match((await dap.locals()).values.v?.value ?? '', /\b1\b/);
        const [moved] = await dap.setBreakpoints(file, [{ line: 3 }]);
        assert.strictEqual(moved.line, 3);
        await dap.request('continue', { threadId: 1 });
        const next = await dap.nextEvent<DebugProtocol.StoppedEvent>('stopped');
        assert.strictEqual(next.body.reason, 'breakpoint');
        const { frame, values } = await dap.locals();
        assert.strictEqual(frame.line, 3, 'the moved breakpoint stops the second call');
        assert.match(values.v?.value ?? '', /\b2\b/);
        assert.match(values.w?.value ?? '', /\b3\b/);
        await dap.request('continue', { threadId: 1 });
        await dap.nextEvent('terminated', 60_000);
        await consoleShows(r, /dbg moved 20 30/);
    });

    test('step into a call, see both frames, step out to the caller', async () => {
        const editor = await openR('debug-step.R', [
            'dbg_inner <- function(p) {',
            '  q <- p * 3',
            '  q',
            '}',
            'dbg_outer <- function(p) {',
            '  r1 <- dbg_inner(p)',
            '  r1 + 1',
            '}',
            'dbg_c <- dbg_outer(1)',
            'cat("dbg outer", dbg_c, "\\n")',
        ]);
        const file = editor.document.uri.fsPath;
        const dap = client();
        await dap.start('launch', { program: file }, [{ file, lines: [{ line: 6 }] }]);
        await dap.nextEvent('stopped', 60_000);
        const [atCall] = await dap.stackTrace();
        assert.match(atCall.name, /^dbg_outer\(1\)/);
        assert.strictEqual(atCall.line, 6);

        await dap.request('stepIn', { threadId: 1 });
        assert.strictEqual((await dap.nextEvent<DebugProtocol.StoppedEvent>('stopped')).body.reason, 'step');
        const inside = await dap.stackTrace();
        assert.match(inside[0].name, /^dbg_inner\(p\)/, `stepped into dbg_inner: ${JSON.stringify(inside.map((f) => f.name))}`);
        // The caller's frame stands at its call of dbg_inner; its locals and evaluation there.
        const caller = inside.find((f) => /^dbg_outer\(1\)/.test(f.name));
        assert.ok(caller, 'the caller is on the stack');
        assert.strictEqual(caller.line, 6);
        assert.strictEqual(caller.source?.path, file);
        const callerLocals = (await dap.locals(caller)).values;
        assert.match(callerLocals.p?.value ?? '', /\b1\b/, JSON.stringify(callerLocals));
        assert.match((await dap.evaluate('p + 100', caller.id, 'repl')).result, /101/);

        await dap.request('stepOut', { threadId: 1 });
        assert.strictEqual((await dap.nextEvent<DebugProtocol.StoppedEvent>('stopped')).body.reason, 'step');
        const [back] = await dap.stackTrace();
        assert.match(back.name, /^dbg_outer\(1\)/, 'back in the caller');
        await dap.request('continue', { threadId: 1 });
        await dap.nextEvent('terminated', 60_000);
        await consoleShows(r, /dbg outer 4/);
    });

    test('browser() in code run from the console stops an attached session; the console or the debugger resumes it', async () => {
        // The console shows the stop's prompt (without it, R's question goes to an input box).
        await vscode.commands.executeCommand('rbridge.showConsole');
        await waitUntil(() => (r.console.exists() ? true : undefined), [r.console.onDidChange], 'the console');
        const dap = client();
        await dap.start('attach', {});
        const run = r.execute('dbg_browse <- function() { dbg_y <- 5; browser(); dbg_y <- dbg_y * 2; browser(); dbg_y }; dbg_browse()');
        const stopped = await dap.nextEvent<DebugProtocol.StoppedEvent>('stopped', 60_000);
        assert.notStrictEqual(stopped.body.reason, 'breakpoint');
        assert.match((await dap.locals()).values.dbg_y?.value ?? '', /\b5\b/);
        // The console answers this stop (typed at Browse[1]>): the debugger hears that R runs again.
        await consoleShows(r, /Browse\[1\]> ?$/, "the console's browser prompt");
        r.console.type('c\r');
        await dap.nextEvent('continued');
        await dap.nextEvent<DebugProtocol.StoppedEvent>('stopped');
        assert.match((await dap.locals()).values.dbg_y?.value ?? '', /\b10\b/);
        // The debugger answers the next: the console's question is withdrawn, the run ends.
        await dap.request('continue', { threadId: 1 });
        await dap.nextEvent('continued');
        assert.strictEqual((await run).status, 'ok');
        // An attach stays until it is stopped.
        assert.deepStrictEqual(dap.eventsSince(0, 'terminated'), []);
        await dap.request('disconnect', {});
    });

    test('Stop while R is stopped quits the browser and ends the run', async () => {
        const editor = await openR('debug-stop.R', ['dbg_stop <- function() {', '  z <- 1', '  z', '}', 'dbg_stop()', 'cat("dbg not reached\\n")']);
        const file = editor.document.uri.fsPath;
        const dap = client();
        await dap.start('launch', { program: file }, [{ file, lines: [{ line: 2 }] }]);
        await dap.nextEvent('stopped', 60_000);
        await dap.request('terminate', {});
        await dap.nextEvent('terminated', 60_000);
        await rIdle(r);
        assert.doesNotMatch(r.console.text(), /^dbg not reached/m);
    });

    test('Stop while the program runs (no stop) interrupts it, and the session ends', async () => {
        const editor = await openR('debug-long.R', ['Sys.sleep(30)', 'cat("dbg slept\\n")']);
        const dap = client();
        await dap.start('launch', { program: editor.document.uri.fsPath });
        await waitUntil(() => r.pending().find((p) => p.state === 'running' && p.request.code.startsWith('Sys.sleep(30)')), [r.onDidStartExecution], 'the program to run');
        const started = Date.now();
        const ended = executed(r, (record) => record.request.code.startsWith('Sys.sleep(30)'), 'the program to end', 20_000);
        await dap.request('terminate', {});
        assert.strictEqual((await ended).result.status, 'interrupted');
        await dap.nextEvent('terminated', 20_000);
        assert.ok(Date.now() - started < 15_000, 'interrupted, not slept out');
        assert.match(dap.eventsSince(0, 'output').map((e) => (e as DebugProtocol.OutputEvent).body.output).join(''), /debug-long\.R: interrupted/);
    });

    test('Run Without Debugging (noDebug) passes over the breakpoints', async () => {
        const editor = await openR('debug-nodebug.R', ['dbg_nd <- function(a) {', '  a + 1', '}', 'cat("dbg nodebug", dbg_nd(1), "\\n")']);
        const file = editor.document.uri.fsPath;
        const dap = client();
        await dap.start('launch', { program: file, noDebug: true }, [{ file, lines: [{ line: 2 }] }]);
        await dap.nextEvent('terminated', 60_000);
        assert.deepStrictEqual(dap.eventsSince(0, 'stopped'), []);
        await consoleShows(r, /dbg nodebug 2/);
    });

    test('an untrusted workspace refuses to launch, saying why', async () => {
        const editor = await openR('debug-untrusted.R', ['cat("dbg must not run\\n")']);
        r.testing.overrideTrust(false);
        const dap = client();
        await dap.initialize();
        const response = await dap.send('launch', { program: editor.document.uri.fsPath });
        assert.strictEqual(response.success, false);
        assert.match(response.message ?? '', /not trusted/);
        assert.doesNotMatch(r.console.text(), /^dbg must not run/m);
    });

    test('after a session, the breakpoints R keeps are VS Code’s (none here): Run File does not stop', async () => {
        const editor = await openR('debug-after.R', ['dbg_after <- function() {', '  1', '}', 'cat("dbg after", dbg_after(), "\\n")']);
        const file = editor.document.uri.fsPath;
        const dap = client();
        await dap.start('attach', {}, [{ file, lines: [{ line: 2 }] }]);
        await dap.close();
        clients.splice(clients.indexOf(dap), 1);
        await rOk(r, 'invisible(NULL)');
        const result = await vscode.commands.executeCommand<{ status: string } | undefined>('rbridge.runFile');
        assert.strictEqual(result?.status, 'ok');
        await consoleShows(r, /dbg after 1/);
    });
});

suite('Debugging R in VS Code (debug sessions of type r)', () => {
    let r: RBridgeApi;
    /** What the adapters of VS Code's R debug sessions sent, in order. */
    const sent: { session: vscode.DebugSession; message: Message }[] = [];
    const sentEmitter = new vscode.EventEmitter<void>();
    let tracker: vscode.Disposable | undefined;

    suiteSetup(async () => {
        r = await readyR();
        tracker = vscode.debug.registerDebugAdapterTrackerFactory('r', {
            createDebugAdapterTracker: (session) => ({
                onDidSendMessage: (message: Message) => {
                    sent.push({ session, message });
                    sentEmitter.fire();
                },
            }),
        });
    });

    suiteTeardown(() => {
        tracker?.dispose();
    });

    teardown(async () => {
        vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
        if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
        await settled(r, 60_000);
    });

    /** The next `stopped` event an R debug session's adapter sends after the `from`th message. */
    function stoppedAfter(from: number): Promise<{ session: vscode.DebugSession; body: DebugProtocol.StoppedEvent['body'] }> {
        return waitUntil(
            () => {
                const found = sent.slice(from).find((s) => s.message.type === 'event' && (s.message as DebugProtocol.Event).event === 'stopped');
                return found ? { session: found.session, body: (found.message as DebugProtocol.StoppedEvent).body } : undefined;
            },
            [sentEmitter.event],
            'an R debug session to stop',
            60_000,
        );
    }

    function breakpointAt(editor: vscode.TextEditor, line: number, condition?: string): vscode.SourceBreakpoint {
        const breakpoint = new vscode.SourceBreakpoint(new vscode.Location(editor.document.uri, new vscode.Position(line, 0)), true, condition);
        vscode.debug.addBreakpoints([breakpoint]);
        return breakpoint;
    }

    test('R: Debug File starts a debug session that stops at a breakpoint of the gutter, and ends with the run', async () => {
        const editor = await openR('debug-command.R', ['dbg_cmd <- function(n) {', '  m <- n * 7', '  m', '}', 'cat("dbg command", dbg_cmd(6), "\\n")']);
        breakpointAt(editor, 1);
        const from = sent.length;
        const started = waitForEvent(vscode.debug.onDidStartDebugSession, (s) => s.type === 'r', 'an R debug session', 30_000);
        assert.strictEqual(await vscode.commands.executeCommand('rbridge.debugFile'), true);
        const session = await started;
        assert.strictEqual(session.configuration.request, 'launch');
        assert.strictEqual(session.configuration.program, editor.document.uri.fsPath);
        const stop = await stoppedAfter(from);
        assert.strictEqual(stop.body.reason, 'breakpoint');
        const trace = (await session.customRequest('stackTrace', { threadId: 1 })) as DebugProtocol.StackTraceResponse['body'];
        assert.match(trace.stackFrames[0].name, /^dbg_cmd\(6\)/);
        assert.strictEqual(trace.stackFrames[0].line, 2);
        const ended = waitForEvent(vscode.debug.onDidTerminateDebugSession, (s) => s.id === session.id, 'the session to end with the run', 60_000);
        await session.customRequest('continue', { threadId: 1 });
        await ended;
        await consoleShows(r, /dbg command 42/);
    });

    test('a breakpoint hit by Run File, with no debug session, starts one that shows the stop and ends with the run', async () => {
        const editor = await openR('debug-auto.R', ['dbg_auto <- function(n) {', '  k <- n + 1', '  k', '}', 'cat("dbg auto", dbg_auto(1), "\\n")']);
        breakpointAt(editor, 1);
        // The breakpoint reaches R without a debug session (R keeps VS Code's breakpoints).
        assert.strictEqual(vscode.debug.activeDebugSession, undefined);
        const from = sent.length;
        const started = waitForEvent(vscode.debug.onDidStartDebugSession, (s) => s.type === 'r', 'an R debug session started by the breakpoint', 60_000);
        const run = vscode.commands.executeCommand<{ status: string } | undefined>('rbridge.runFile');
        const session = await started;
        assert.strictEqual(session.configuration.request, 'attach');
        const stop = await stoppedAfter(from);
        assert.strictEqual(stop.body.reason, 'breakpoint');
        const ended = waitForEvent(vscode.debug.onDidTerminateDebugSession, (s) => s.id === session.id, 'the session to end with the run', 60_000);
        await session.customRequest('continue', { threadId: 1 });
        assert.strictEqual((await run)?.status, 'ok');
        await ended;
        await consoleShows(r, /dbg auto 2/);
    });

    test('a browser() with no debug session stays in the console: no session starts', async () => {
        await vscode.commands.executeCommand('rbridge.showConsole');
        await waitUntil(() => (r.console.exists() ? true : undefined), [r.console.onDidChange], 'the console');
        let startedOne = false;
        const watch = vscode.debug.onDidStartDebugSession(() => (startedOne = true));
        try {
            const run = r.execute('dbg_plain <- function() { browser(); 3 }; dbg_plain()');
            await consoleShows(r, /Browse\[1\]> ?$/, "the console's browser prompt");
            r.console.type('c\r');
            assert.strictEqual((await run).status, 'ok');
            assert.strictEqual(startedOne, false, 'no debug session for a browser() without one');
        } finally {
            watch.dispose();
        }
    });
});
