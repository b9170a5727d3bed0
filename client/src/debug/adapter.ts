/**
 * VS Code's debugger for R: an inline debug adapter (it runs in the
 * extension host, VS Code hands it the Debug Adapter Protocol's messages
 * through handleMessage) that speaks R Bridge's protocol to the server.
 *
 * R's debugger is R's browser. The server turns each `Browse[n]>` prompt
 * into an r/input request of kind 'browser' that says where R stands (its
 * frames, the line, the breakpoint that stopped it); BrowserStops hands it
 * to everyone who shows it (the console shows the prompt too). This adapter
 * turns a stop into DAP's `stopped` event, answers the stack, scopes and
 * variables from it (r/variables with the frame), gives R the browser's own
 * commands for the toolbar (n, s, f, c, Q) and evaluates the debug
 * console's, watch and hover expressions in the selected frame
 * (r/evaluate). Whoever answers a stop first wins: a command typed in the
 * console resumes the debugger too.
 *
 * One thread ("R"). Variable and frame references live until R resumes.
 * A launch runs the program as Run File does (the console echoes it) and
 * ends when that execution ends; an attach (started by a breakpoint hit
 * with no debug session, or from a launch configuration) only shows the
 * stops, and ends with the execution it was started for, if any.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import {
    BreakpointEvent,
    ContinuedEvent,
    DebugSession,
    Handles,
    InitializedEvent,
    OutputEvent,
    Scope,
    Source,
    StackFrame,
    StoppedEvent,
    TerminatedEvent,
    Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type {
    EvaluateParams,
    EvaluateResult,
    ExecuteResult,
    InterruptResult,
    Range,
    Variable,
    VariablesParams,
    VariablesResult,
} from '../../../common/protocol';
import { MAX_VARIABLES_PAGE } from '../../../common/protocol';
import { pathExpression } from '../rNames';
import type { ExecutionRecord, PendingExecution } from '../session';
import type { BrowserResume, BrowserStop, BrowserStops } from './browserStops';
import type { DocumentBreakpoints, RBreakpoints } from './breakpoints';

/** R runs one thread. */
export const THREAD_ID = 1;
/** Values with more children than this are paged: VS Code then shows ranges of this size and asks for one at a time. */
export const CHILD_PAGE = 100;
/** Said when a launch is refused in an untrusted workspace. */
export const UNTRUSTED_MESSAGE =
    'Debugging runs the workspace\'s R code, and this workspace is not trusted. Trust it (Manage Workspace Trust) to debug, or use "R: Run File".';

/** What the adapter needs of the session (RSession has it all). */
export interface DebugRSession {
    readonly isReady: boolean;
    readonly running: PendingExecution | undefined;
    ensureKernel(): Promise<void>;
    whenReady(): Promise<void>;
    evaluate(params: EvaluateParams): Promise<EvaluateResult>;
    variables(params: VariablesParams): Promise<VariablesResult>;
    interrupt(): Promise<InterruptResult | undefined>;
    readonly onDidStartExecution: vscode.Event<PendingExecution>;
    readonly onDidExecute: vscode.Event<ExecutionRecord>;
}

export interface AdapterContext {
    session: DebugRSession;
    browserStops: BrowserStops;
    breakpoints: RBreakpoints;
    /** Runs a whole document as R: Run File does (the console shows it); undefined when there is nothing to run. */
    runDocument(document: vscode.TextDocument): Promise<ExecuteResult | undefined> | undefined;
    trusted(): boolean;
    /** Before R is started for a launch: in an untrusted workspace, says what that means. */
    explainTrust(): void;
}

/** The attributes of a launch configuration of type 'r'. */
export interface LaunchArguments extends DebugProtocol.LaunchRequestArguments {
    /** The R file to run: a path (absolute, or relative to the workspace folder) or a URI. Default: the active R editor's file. */
    program?: string;
}

/** The attributes of an attach configuration of type 'r'. */
export interface AttachArguments extends DebugProtocol.AttachRequestArguments {
    /** End the session when this execution ends (set when a breakpoint hit starts the session). */
    executionId?: string;
}

/**
 * What a variablesReference stands for: the locals of a frame (frame 0:
 * the global environment, listed by R at the stop), a value's children, or a promise (an argument R has not
 * evaluated yet) that is evaluated when the user asks for its value.
 */
type Reference =
    | { kind: 'locals'; frame: number }
    | { kind: 'value'; frame?: number; path: string[] }
    | { kind: 'promise'; frame: number; variable: Variable };

/** The browser commands that step: after them, the next stop is a step's. */
const STEP_COMMANDS = new Set(['n', 's', 'f']);

export class RDebugAdapter extends DebugSession {
    private readonly references = new Handles<Reference>();
    /** DAP frame ids of the current stop → sys.frame() numbers (0: the top level). */
    private readonly frames = new Handles<number>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private mode: 'launch' | 'attach' | undefined;
    private noDebug = false;
    private configured = false;
    private configuredSignal!: () => void;
    private readonly whenConfigured = new Promise<void>((resolve) => (this.configuredSignal = resolve));
    /** The stop VS Code was told of (undefined while R runs). */
    private shown: BrowserStop | undefined;
    /** What R was given at the last stop: a step's command makes the next stop a step. */
    private lastCommand = '';
    /** The launched program: its document, and the execution running it once it started. */
    private program: { uri: string; code: string; executionId?: string; ended: boolean } | undefined;
    /** For an attach: the execution whose end ends the session. */
    private endWith: string | undefined;
    /** VS Code was told the session ended (`terminated`), or it disconnected. */
    private terminated = false;
    /** onDidEnd fired. */
    private finished = false;
    /** The adapter's breakpoint ids for a document (index for index with the store's list), and the list they were given for. */
    private readonly breakpointIds = new Map<string, { key: string; ids: number[] }>();
    private nextBreakpointId = 1;
    private readonly ended = new vscode.EventEmitter<void>();

    /** The session ended (terminated or disconnected) or the adapter was disposed. */
    readonly onDidEnd = this.ended.event;

    constructor(private readonly context: AdapterContext) {
        super();
        // R's lines and columns are 0-based (LSP ranges); VS Code's 1-based ones are converted on the way.
        this.setDebuggerLinesStartAt1(false);
        this.setDebuggerColumnsStartAt1(false);
        this.subscriptions.push(
            context.breakpoints.own(),
            context.browserStops.onDidStop((stop) => this.stopped(stop)),
            context.browserStops.onDidResume((resume) => this.resumed(resume)),
            context.breakpoints.onDidChange((entry) => this.breakpointsChanged(entry)),
            context.session.onDidStartExecution((pending) => this.executionStarted(pending)),
            context.session.onDidExecute((record) => this.executionEnded(record)),
            this.ended,
        );
    }

    // -----------------------------------------------------------------------
    // Start-up: initialize, launch or attach, breakpoints, configurationDone

    protected initializeRequest(response: DebugProtocol.InitializeResponse): void {
        response.body = {
            ...response.body,
            supportsConfigurationDoneRequest: true,
            supportsConditionalBreakpoints: true,
            supportsEvaluateForHovers: true,
            supportsTerminateRequest: true,
            exceptionBreakpointFilters: [],
            supportsHitConditionalBreakpoints: false,
            supportsLogPoints: false,
            supportsSetVariable: false,
            supportsStepBack: false,
        };
        this.sendResponse(response);
        // `initialized` follows once R is ready (launch, attach): breakpoints need R.
    }

    protected launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArguments): void {
        this.respond(
            response,
            async () => {
                if (!this.context.trusted()) throw new Error(UNTRUSTED_MESSAGE);
                const document = await programDocument(args.program);
                this.mode = 'launch';
                this.noDebug = args.noDebug === true;
                await this.startR();
                this.sendEvent(new InitializedEvent());
                await this.whenConfigured;
                // The breakpoints VS Code just sent are in R before the program runs.
                await this.context.breakpoints.whenApplied();
                this.program = { uri: document.uri.toString(), code: document.getText(), ended: false };
                void this.runProgram(document);
            },
            true,
        );
    }

    protected attachRequest(response: DebugProtocol.AttachResponse, args: AttachArguments): void {
        this.respond(
            response,
            async () => {
                this.mode = 'attach';
                this.endWith = typeof args.executionId === 'string' ? args.executionId : undefined;
                await this.startR();
                this.sendEvent(new InitializedEvent());
                await this.whenConfigured;
                // Started for an execution that is over already: nothing to show.
                if (this.endWith && !this.context.browserStops.current) this.end();
            },
            true,
        );
    }

    protected configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
        this.sendResponse(response);
        this.configured = true;
        this.configuredSignal();
        // R may be stopped already (the breakpoint hit that started an attach, or a browser() before).
        const current = this.context.browserStops.current;
        if (current && !this.noDebug) this.report(current);
    }

    protected setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
        this.respond(response, async () => {
            const uri = sourceUri(args.source);
            if (!uri) {
                response.body = { breakpoints: (args.breakpoints ?? []).map(() => ({ verified: false, message: 'Not an R file.' })) };
                return;
            }
            const asked = args.breakpoints ?? [];
            const entry = await this.context.breakpoints.set(
                uri.toString(),
                asked.map((b) => ({ line: this.convertClientLineToDebugger(b.line), ...(b.condition ? { condition: b.condition } : {}) })),
            );
            const ids = entry.requested.map(() => this.nextBreakpointId++);
            this.breakpointIds.set(entry.uri, { key: entry.key, ids });
            // The store sorted the list by line: each breakpoint asked is found there by its line.
            const taken = new Set<number>();
            response.body = {
                breakpoints: asked.map((b) => {
                    const line = this.convertClientLineToDebugger(b.line);
                    const index = entry.requested.findIndex((r, i) => r.line === line && !taken.has(i));
                    taken.add(index);
                    return this.toDapBreakpoint(entry, index, ids[index], args.source);
                }),
            };
        });
    }

    // -----------------------------------------------------------------------
    // Running and stopping

    protected threadsRequest(response: DebugProtocol.ThreadsResponse): void {
        response.body = { threads: [new Thread(THREAD_ID, 'R')] };
        this.sendResponse(response);
    }

    protected continueRequest(response: DebugProtocol.ContinueResponse): void {
        response.body = { allThreadsContinued: true };
        this.command(response, 'c');
    }

    protected nextRequest(response: DebugProtocol.NextResponse): void {
        this.command(response, 'n');
    }

    protected stepInRequest(response: DebugProtocol.StepInResponse): void {
        this.command(response, 's');
    }

    protected stepOutRequest(response: DebugProtocol.StepOutResponse): void {
        this.command(response, 'f');
    }

    /**
     * R cannot stop running code and go on with it later (R's browser only
     * starts where the code calls it): Pause interrupts the run, as
     * Ctrl+C does in R's console, and says so.
     */
    protected pauseRequest(response: DebugProtocol.PauseResponse): void {
        this.respond(response, async () => {
            if (this.shown) return;
            const result = await this.context.session.interrupt();
            if (result?.interrupted) {
                this.output('R cannot pause running code: it was interrupted, as Ctrl+C would. Breakpoints and browser() stop R where you want.\n', 'console');
            }
        });
    }

    protected terminateRequest(response: DebugProtocol.TerminateResponse): void {
        this.respond(response, async () => this.stopProgram());
    }

    protected disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
        this.respond(response, async () => {
            if (!this.terminated) await this.stopProgram();
            this.terminated = true;
            this.dispose();
        });
    }

    // -----------------------------------------------------------------------
    // What R's stop shows: the stack, scopes, variables, evaluation

    protected stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
        const stop = this.shown;
        const frames = stop ? this.stackFrames(stop) : [];
        const start = args.startFrame ?? 0;
        const levels = args.levels || frames.length;
        response.body = { stackFrames: frames.slice(start, start + levels), totalFrames: frames.length };
        this.sendResponse(response);
    }

    protected scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
        const frame = this.frames.get(args.frameId);
        const global = new Scope('Global', this.references.create({ kind: 'locals', frame: 0 }), frame !== 0);
        if (frame === undefined) {
            response.body = { scopes: [] };
        } else if (frame === 0) {
            // At the top level the locals are the global environment.
            response.body = { scopes: [global] };
        } else {
            const locals: DebugProtocol.Scope = { ...new Scope('Locals', this.references.create({ kind: 'locals', frame }), false), presentationHint: 'locals' };
            response.body = { scopes: [locals, global] };
        }
        this.sendResponse(response);
    }

    protected variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
        this.respond(response, async () => {
            const reference = this.references.get(args.variablesReference);
            // Children are all served as indexed (see toDapVariable): none are only named.
            if (!reference || args.filter === 'named') {
                response.body = { variables: [] };
                return;
            }
            if (reference.kind === 'promise') {
                response.body = { variables: [await this.forcePromise(reference.variable, reference.frame)] };
                return;
            }
            const params: VariablesParams = {};
            if (reference.kind === 'locals') params.frame = reference.frame;
            if (reference.kind === 'value') {
                if (reference.frame !== undefined) params.frame = reference.frame;
                params.path = reference.path;
            }
            const paged = args.start !== undefined || (args.count ?? 0) > 0;
            params.start = args.start ?? 0;
            params.count = Math.min(args.count || MAX_VARIABLES_PAGE, MAX_VARIABLES_PAGE);
            const frame = reference.frame;
            const result = await this.context.session.variables(params);
            const variables = result.variables.map((v) => this.toDapVariable(v, frame));
            const left = result.total - params.start - result.variables.length;
            if (!paged && left > 0) {
                variables.push({ name: '…', value: `${left.toLocaleString('en-US')} more not shown`, variablesReference: 0, presentationHint: { attributes: ['readOnly'] } });
            }
            response.body = { variables };
        });
    }

    protected evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
        this.respond(response, async () => {
            const params: EvaluateParams = { expression: args.expression, context: evaluateContext(args.context) };
            // While R is stopped: in the selected frame (else the browsed one). Otherwise R's global environment.
            let frame: number | undefined;
            if (this.shown) {
                frame = args.frameId !== undefined ? this.frames.get(args.frameId) : undefined;
                if (frame === undefined) frame = this.shown.depth ?? 0;
                params.frame = frame;
            }
            const result = await this.context.session.evaluate(params);
            if (result.error) throw new Error(result.value);
            // A name R does not know (or R busy with code): no hover at all rather than an empty one.
            if (params.context === 'hover' && !result.value) throw new Error(`${args.expression}: no value`);
            const body: DebugProtocol.EvaluateResponse['body'] = { result: result.value, type: result.type || undefined, variablesReference: 0 };
            if (result.path && (result.children ?? 0) > 0) {
                body.variablesReference = this.references.create({ kind: 'value', frame, path: result.path });
                if ((result.children ?? 0) > CHILD_PAGE) body.indexedVariables = result.children;
            }
            response.body = body;
        });
    }

    // -----------------------------------------------------------------------
    // Stops and resumes, from R (through BrowserStops)

    private stopped(stop: BrowserStop): void {
        if (!this.configured || this.terminated) return;
        if (this.noDebug) {
            // Run Without Debugging: the program's own stops are passed over.
            if (this.isProgram(stop.executionId)) this.context.browserStops.answer('c');
            return;
        }
        this.report(stop);
    }

    private report(stop: BrowserStop): void {
        this.shown = stop;
        this.references.reset();
        this.frames.reset();
        const hit = stop.breakpointId !== undefined ? this.dapBreakpointId(stop.breakpointId) : undefined;
        const event: DebugProtocol.StoppedEvent = new StoppedEvent('pause', THREAD_ID);
        const body = event.body;
        body.allThreadsStopped = true;
        if (stop.breakpointId !== undefined) {
            body.reason = 'breakpoint';
            if (hit !== undefined) body.hitBreakpointIds = [hit];
        } else if (STEP_COMMANDS.has(this.lastCommand)) {
            body.reason = 'step';
        } else {
            // browser(), debug(), debugonce(), trace(): R's browser, not a breakpoint of the gutter.
            body.description = "Paused in R's browser";
        }
        this.sendEvent(event);
    }

    private resumed(resume: BrowserResume): void {
        this.lastCommand = resume.command.trim();
        if (resume.stop !== this.shown) return;
        this.shown = undefined;
        // What the stop's references pointed to may change once R runs.
        this.references.reset();
        this.frames.reset();
        if (!this.terminated) this.sendEvent(new ContinuedEvent(THREAD_ID, true));
    }

    /** Gives R a browser command from the toolbar; fails the request when R is not stopped. */
    private command(response: DebugProtocol.Response, text: string): void {
        if (!this.shown || !this.context.browserStops.answer(text)) {
            this.fail(response, 'R is not stopped.');
            return;
        }
        this.lastCommand = text;
        this.sendResponse(response);
    }

    // -----------------------------------------------------------------------
    // The program

    private async startR(): Promise<void> {
        if (!this.context.session.isReady) this.context.explainTrust();
        await this.context.session.ensureKernel();
        await this.context.session.whenReady();
    }

    private async runProgram(document: vscode.TextDocument): Promise<void> {
        const running = this.context.runDocument(document);
        const result = running ? await running : undefined;
        if (this.program) this.program.ended = true;
        const name = path.basename(document.uri.path);
        if (!result) this.output(`${name} is empty: nothing to run.\n`, 'console');
        else if (result.status !== 'ok') this.output(`${name}: ${statusText(result)}\n`, 'stderr');
        this.end();
    }

    /** Stop (the toolbar's square): quits R's browser if R is stopped, else interrupts the program if it runs. */
    private async stopProgram(): Promise<void> {
        if (this.shown && this.context.browserStops.answer('Q')) return;
        const program = this.program;
        const running = this.context.session.running;
        if (this.mode === 'launch' && program && !program.ended && running && this.isProgram(running.executionId)) {
            // The run ends interrupted, and the session with it (runProgram).
            await this.context.session.interrupt();
            return;
        }
        // Nothing of ours runs (an attach, or a program still waiting its turn, which then runs undebugged).
        this.end();
    }

    private executionStarted(pending: PendingExecution): void {
        const program = this.program;
        if (!program || program.executionId || program.ended) return;
        if (pending.request.uri === program.uri && pending.request.code === program.code) program.executionId = pending.executionId;
    }

    private executionEnded(record: ExecutionRecord): void {
        if (this.mode === 'attach' && this.endWith === record.executionId) this.end();
    }

    private isProgram(executionId: string): boolean {
        return this.program?.executionId === executionId;
    }

    private end(): void {
        if (this.terminated) return;
        this.terminated = true;
        this.shown = undefined;
        this.sendEvent(new TerminatedEvent());
        this.finish();
    }

    private finish(): void {
        if (this.finished) return;
        this.finished = true;
        this.ended.fire();
    }

    // -----------------------------------------------------------------------
    // Conversions

    private stackFrames(stop: BrowserStop): DebugProtocol.StackFrame[] {
        const depth = stop.depth ?? 0;
        if (depth === 0) {
            // R browses at the top level (a browser() in a script): one frame, the global environment.
            return [this.stackFrame(0, stop.call || '<top level>', stop.uri, stop.range)];
        }
        const known = (stop.frames ?? []).filter((f) => f.index <= depth);
        const frames = known.length ? known : [{ index: depth, call: stop.call ?? '', name: '' }];
        return [...frames].reverse().map((frame) => {
            const innermost = frame.index === depth;
            // The browsed frame stands where R stopped; the others at their call into the next.
            const uri = innermost ? (stop.uri ?? frame.uri) : frame.uri;
            const range = innermost ? (stop.range ?? frame.range) : frame.range;
            return this.stackFrame(frame.index, frame.call || frame.name || '<anonymous function>', uri, range);
        });
    }

    private stackFrame(index: number, name: string, uri: string | undefined, range: Range | undefined): DebugProtocol.StackFrame {
        const id = this.frames.create(index);
        const source = uri ? toSource(uri) : undefined;
        if (!source || !range) {
            // Code R has no source for (a package's function, code built at run time).
            const frame: DebugProtocol.StackFrame = { ...new StackFrame(id, name), line: 0, column: 0, presentationHint: 'subtle' };
            if (source) frame.source = source;
            return frame;
        }
        // Only where the expression starts: with its end too, VS Code would select the expression in the editor.
        return new StackFrame(id, name, source, this.convertDebuggerLineToClient(range.start.line), this.convertDebuggerColumnToClient(range.start.character));
    }

    /**
     * The value of an argument R has not evaluated yet, evaluated now in its
     * frame (as R would when the code first used it), at the user's request:
     * VS Code shows such a variable as lazy, with a button that asks for it.
     */
    private async forcePromise(v: Variable, frame: number): Promise<DebugProtocol.Variable> {
        const result = await this.context.session.evaluate({ expression: pathExpression(v.path), frame, context: 'watch' });
        const variable: DebugProtocol.Variable = { name: v.name, value: result.value, type: result.type || undefined, variablesReference: 0, evaluateName: pathExpression(v.path) };
        if (!result.error && result.path && (result.children ?? 0) > 0) {
            variable.variablesReference = this.references.create({ kind: 'value', frame, path: result.path });
            if ((result.children ?? 0) > CHILD_PAGE) variable.indexedVariables = result.children;
        }
        return variable;
    }

    private toDapVariable(v: Variable, frame: number | undefined): DebugProtocol.Variable {
        if (v.type === 'promise' && v.path.length === 1 && this.shown) {
            // Evaluating it may run code (the argument's expression): only when asked.
            const promise = this.references.create({ kind: 'promise', frame: frame ?? 0, variable: v });
            return { name: v.name, value: v.summary, type: 'promise', variablesReference: promise, evaluateName: pathExpression(v.path), presentationHint: { lazy: true } };
        }
        const reference = v.hasChildren ? this.references.create({ kind: 'value', frame, path: v.path }) : 0;
        const variable: DebugProtocol.Variable = {
            name: v.name,
            value: v.pending && !v.type ? 'describing…' : v.summary,
            type: typeText(v),
            variablesReference: reference,
            // The expression that reaches it, in the frame it is listed for (Copy as Expression, Add to Watch).
            evaluateName: pathExpression(v.path),
        };
        // Many children: VS Code pages them (ranges of CHILD_PAGE), asking for each range as it is opened.
        if (reference && v.length !== null && v.length > CHILD_PAGE) variable.indexedVariables = v.length;
        if (v.type === 'closure' || v.type === 'builtin' || v.type === 'special') variable.presentationHint = { kind: 'method' };
        return variable;
    }

    private toDapBreakpoint(entry: DocumentBreakpoints, index: number, id: number | undefined, source?: DebugProtocol.Source): DebugProtocol.Breakpoint {
        const result = entry.result[index];
        const breakpoint: DebugProtocol.Breakpoint = { verified: result?.verified ?? false };
        if (id !== undefined) breakpoint.id = id;
        if (result) breakpoint.line = this.convertDebuggerLineToClient(result.line);
        if (result?.message) breakpoint.message = result.message;
        if (source) breakpoint.source = source;
        return breakpoint;
    }

    /** The id VS Code knows a server breakpoint by (given in the setBreakpoints answer for its document). */
    private dapBreakpointId(serverId: number): number | undefined {
        const found = this.context.breakpoints.find(serverId);
        if (!found) return undefined;
        const ids = this.breakpointIds.get(found.entry.uri);
        if (!ids || ids.key !== found.entry.key) return undefined;
        return ids.ids[found.index];
    }

    /** The server's word on a document's breakpoints changed: VS Code's gutter follows. */
    private breakpointsChanged(entry: DocumentBreakpoints): void {
        const ids = this.breakpointIds.get(entry.uri);
        if (!ids || ids.key !== entry.key || this.terminated) return;
        entry.result.forEach((_, index) => {
            this.sendEvent(new BreakpointEvent('changed', this.toDapBreakpoint(entry, index, ids.ids[index])));
        });
    }

    // -----------------------------------------------------------------------
    // Answers

    /** Runs a request's work and answers it: its response, or its failure (shown to the user when `showUser`). */
    private respond(response: DebugProtocol.Response, work: () => Promise<void>, showUser = false): void {
        work().then(
            () => this.sendResponse(response),
            (error: unknown) => this.fail(response, error instanceof Error ? error.message : String(error), showUser),
        );
    }

    private fail(response: DebugProtocol.Response, message: string, showUser = false): void {
        response.success = false;
        response.message = message;
        if (showUser) response.body = { error: { id: 1, format: message.replace(/[{}]/g, ''), showUser: true } };
        this.sendResponse(response);
    }

    private output(text: string, category: 'console' | 'stderr'): void {
        this.sendEvent(new OutputEvent(text, category));
    }

    dispose(): void {
        this.terminated = true;
        this.finish();
        for (const s of this.subscriptions) s.dispose();
        this.subscriptions.length = 0;
        super.dispose();
    }
}

/** The document a launch runs: `program` (a path or a URI), else the active R editor's. */
async function programDocument(program: string | undefined): Promise<vscode.TextDocument> {
    if (program?.trim()) {
        const uri = programUri(program.trim());
        try {
            return await vscode.workspace.openTextDocument(uri);
        } catch (error) {
            throw new Error(`Cannot open the program ${program}: ${error instanceof Error ? error.message : String(error)}`);
        }
    }
    const editor = vscode.window.activeTextEditor;
    if (editor && editor.document.languageId === 'r') return editor.document;
    throw new Error('Open an R file to debug it, or name one with "program" in the launch configuration.');
}

function programUri(program: string): vscode.Uri {
    if (isUriText(program)) return vscode.Uri.parse(program);
    if (path.isAbsolute(program)) return vscode.Uri.file(program);
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? vscode.Uri.joinPath(folder.uri, program) : vscode.Uri.file(path.resolve(program));
}

/** A URI ("file:///…", "untitled:Untitled-1"), not a path (a Windows drive letter is one character). */
function isUriText(text: string): boolean {
    return /^[a-zA-Z][\w+.-]+:/.test(text);
}

/** The document a DAP source names: its path (a file path, or a URI for documents that are not files). */
function sourceUri(source: DebugProtocol.Source): vscode.Uri | undefined {
    const where = source.path;
    if (!where) return undefined;
    return isUriText(where) ? vscode.Uri.parse(where) : vscode.Uri.file(where);
}

/** A document as a DAP source: a file by its path, another document (untitled) by its URI. */
export function toSource(uriText: string): Source {
    const uri = vscode.Uri.parse(uriText);
    return new Source(path.posix.basename(uri.path), uri.scheme === 'file' ? uri.fsPath : uriText);
}

function evaluateContext(context: string | undefined): EvaluateParams['context'] {
    if (context === 'hover') return 'hover';
    if (context === 'watch' || context === 'variables') return 'watch';
    return 'repl';
}

/** The type column: the class (or type) and the shape, as the Variables view of the R side bar shows them. */
export function typeText(v: Variable): string {
    if (v.pending && !v.type) return '';
    const kind = v.class.find((c) => c !== '') ?? v.type;
    if (v.dim?.length) return `${kind} [${v.dim.map((d) => d.toLocaleString('en-US')).join(' × ')}]`;
    if (v.length === null || v.length === 1 || ['closure', 'builtin', 'special'].includes(v.type)) return kind;
    return `${kind} [${v.length.toLocaleString('en-US')}]`;
}

function statusText(result: ExecuteResult): string {
    const message = result.error?.message;
    switch (result.status) {
        case 'interrupted':
            return 'interrupted';
        case 'cancelled':
            return 'cancelled';
        case 'kernelDied':
            return `R stopped${message ? `: ${message}` : ''}`;
        default:
            return `${result.status === 'parseError' ? 'parse error' : 'error'}${message ? `: ${message}` : ''}`;
    }
}
