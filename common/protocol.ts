/**
 * The client ↔ server protocol: every custom request and notification, with
 * its params and result types, declared once and imported by the server, the
 * VS Code client and the command-line client. docs/protocol.md describes the
 * same methods; test/protocolDoc.test.ts fails when the two disagree.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';

export interface Position {
    line: number;
    character: number;
}
export interface Range {
    start: Position;
    end: Position;
}

// ---------------------------------------------------------------------------
// Initialization

/** `initializationOptions` of the `initialize` request. */
export interface InitializationOptions {
    /** Path of the R executable (default: `R` on the PATH). */
    rPath?: string;
    /** Extra arguments for R. */
    rArgs?: string[];
    /** Working directory of the R session. */
    cwd?: string;
    /** Extra environment variables for the R session. */
    env?: Record<string, string>;
    /** Start a new kernel when the kernel dies (with a backoff and a cap). */
    autoRestart?: boolean;
    /**
     * Whether the workspace is trusted. Only then does R run the working
     * directory's `.Rprofile`; otherwise only the user's `~/.Rprofile` runs.
     */
    workspaceTrusted?: boolean;
}

// ---------------------------------------------------------------------------
// Shared types

export type ExecutionStatus =
    | 'ok'
    | 'error'
    | 'parseError'
    | 'incomplete'
    | 'cancelled'
    | 'interrupted'
    | 'kernelDied';

export interface ExecutionError {
    message: string;
    call?: string;
    /** 1-based line of `code` where evaluation failed. */
    line?: number;
    /** The failing line mapped into `uri`'s coordinates, when `uri` and `range` were given. */
    range?: Range;
    uri?: string;
}

export interface Variable {
    name: string;
    /** Path from the global environment: the name, then `[[i]]`, `$name` or `@slot` segments. */
    path: string[];
    /** `typeof()`, or `S4`, `promise` (unevaluated), `active` (active binding). */
    type: string;
    class: string[];
    length: number | null;
    dim?: number[];
    /** Bytes, where cheap to know. */
    size?: number;
    /** One-line preview of the value. */
    summary: string;
    hasChildren: boolean;
    /**
     * Its description is still to come: R changed more variables in one
     * execution than it describes before answering (a budget of 2 ms). Only
     * `name` and `path` are meaningful; the server has R describe it while
     * idle and sends it again (in `changed` of r/symbolsChanged).
     */
    pending?: boolean;
}

export type KernelState = 'starting' | 'idle' | 'busy' | 'dead' | 'restarting';

export interface QueuedExecution {
    executionId: string;
    codePreview: string;
}

// ---------------------------------------------------------------------------
// Client → server requests

export interface ExecuteParams {
    code: string;
    /** Chosen by the client, or assigned by the server (returned in the result). */
    executionId?: string;
    uri?: string;
    /** Where `code` sits in `uri`: error lines are mapped through it. */
    range?: Range;
    /** Stop at the first error (default true). */
    stopOnError?: boolean;
    /** Echo each top-level expression to stdout with R's prompts before it runs. */
    echo?: boolean;
}
export interface ExecuteResult {
    executionId: string;
    status: ExecutionStatus;
    error?: ExecutionError;
    durationMs: number;
}
/** Run R code; answers when the execution ends. */
export const ExecuteRequest = new RequestType<ExecuteParams, ExecuteResult, void>('r/execute');

export interface InterruptParams {
    /** Keep queued executions instead of cancelling them. */
    keepQueue?: boolean;
}
export interface InterruptResult {
    /** Whether an execution was running when the interrupt arrived. */
    interrupted: boolean;
    cancelled: number;
}
/** Interrupt the running execution. */
export const InterruptRequest = new RequestType<InterruptParams, InterruptResult, void>('r/interrupt');

export type RestartParams = Record<string, never>;
export interface RestartResult {
    pid: number;
}
/** Replace the kernel by a fresh one; answers when it is idle. */
export const RestartRequest = new RequestType<RestartParams, RestartResult, void>('r/restart');

export type StatusParams = Record<string, never>;
export interface StatusResult {
    state: KernelState;
    pid: number | null;
    rVersion: string | null;
    running?: { executionId: string; codePreview: string; elapsedMs: number };
    queue: QueuedExecution[];
}
/** The kernel's state, answered at once. */
export const StatusRequest = new RequestType<StatusParams, StatusResult, void>('r/status');

export interface VariablesParams {
    /** Absent for the global environment. */
    path?: string[];
    /** 0-based index of the first child to return. */
    start?: number;
    /** How many children to return (default and maximum: MAX_VARIABLES_PAGE). */
    count?: number;
    /** Re-describe the whole global environment in the kernel. */
    refresh?: boolean;
}
export interface VariablesResult {
    variables: Variable[];
    total: number;
}
/**
 * Variables of the global environment (from the cache, answered at once), or
 * children of one / a refresh (from the kernel: such requests wait in the
 * server's queue behind the executions sent before them, any number at once,
 * and can be cancelled with `$/cancelRequest`).
 */
export const VariablesRequest = new RequestType<VariablesParams, VariablesResult, void>('r/variables');
/** The largest page of children r/variables returns, and the default `count` for a `path`. */
export const MAX_VARIABLES_PAGE = 1000;

/** Error code for requests that need a kernel when there is none. */
export const KernelNotRunningError = -32802;
/** Error code of r/restart when the new kernel could not be started, and of requests cut short by a dying kernel. */
export const KernelStartFailedError = -32803;

export interface ConsoleParams {
    /** Columns of the client's console: R's `options(width)` (10 to 10000). */
    width?: number;
    /**
     * How many colours the console shows (1, 8, 256 or 16777216): what
     * cli-based packages (tibble, pillar, rlang's errors) may use, through
     * `options(cli.num_colors)`. 1 turns colour off.
     */
    colors?: number;
}
/**
 * The client's console changed (or is first known): R follows its width and
 * colours, as in a terminal, without running code the user sees. Answered
 * at once; R takes the change before the next execution sent after it, and
 * again whenever a new kernel starts.
 */
export const ConsoleRequest = new RequestType<ConsoleParams, null, void>('r/console');

// ---------------------------------------------------------------------------
// Server → client notifications

export interface ExecutionStateParams {
    executionId: string;
    state: 'queued' | 'running' | 'done';
    /** Position in the queue (0 = next), for `queued`. */
    position?: number;
}
export const ExecutionStateNotification = new NotificationType<ExecutionStateParams>('r/executionState');

export interface OutputParams {
    executionId: string | null;
    stream: 'stdout' | 'stderr';
    text: string;
}
export const OutputNotification = new NotificationType<OutputParams>('r/output');

export interface ConditionParams {
    executionId: string;
    kind: 'warning' | 'error';
    message: string;
    call?: string;
    /** 1-based line of the execution's code where the top-level expression that raised it starts. */
    line?: number;
    /** That line mapped into `uri`'s coordinates, when the execution gave `uri` and `range`. */
    uri?: string;
    range?: Range;
}
export const ConditionNotification = new NotificationType<ConditionParams>('r/condition');

export interface SymbolsChangedParams {
    added: Variable[];
    changed: Variable[];
    removed: string[];
    /** True when the list replaces the whole global environment (after a start, restart or refresh). */
    reset?: boolean;
}
export const SymbolsChangedNotification = new NotificationType<SymbolsChangedParams>('r/symbolsChanged');

/** Why a kernel is starting (states 'starting' and 'restarting'). */
export type KernelStartCause =
    /** The session's first kernel. */
    | 'initial'
    /** A client asked (r/restart, or an execution sent while R was dead). */
    | 'requested'
    /** The server's restart policy, after the kernel died. */
    | 'automatic';

/** Why there is no kernel (state 'dead'). */
export type KernelDeathCause =
    /** R could not be started (not found, too old, jsonlite missing, a bad argument or working directory). Not retried. */
    | 'startFailed'
    /** The code being run ended R: quit() or q(). */
    | 'quit'
    /** R ended unexpectedly: a crash, a kill from outside, a broken kernel loop. */
    | 'died'
    /** The server stopped R: a protocol violation, an unanswered start, or shutdown. */
    | 'stopped';

export interface KernelStatusParams {
    state: KernelState;
    pid?: number;
    /** Why the state changed (for 'dead': the cause of death, said for a person), or the notice's text. */
    reason?: string;
    queueLength: number;
    rVersion?: string;
    /** With 'starting' and 'restarting'. */
    startCause?: KernelStartCause;
    /** With 'dead'. */
    deathCause?: KernelDeathCause;
    /** With 'dead': the server will start a new kernel by itself after this many milliseconds. */
    restartInMs?: number;
    /**
     * With 'dead': the kernel died too often in a short time, and the server
     * gave up restarting it (r/restart still starts one).
     */
    restartAbandoned?: boolean;
    exitCode?: number | null;
    signal?: string | null;
    /** The end of R's stderr, when the kernel died. */
    stderrTail?: string;
    /**
     * Set when this message is a notice about the current state, not a
     * change of state: a client shows `reason` to the user. 'unresponsive':
     * R has not reacted to repeated interrupts for a while (typically inside
     * C code that never checks for them); a client offers to restart R.
     */
    notice?: 'unresponsive';
}
export const KernelStatusNotification = new NotificationType<KernelStatusParams>('r/kernelStatus');

// ---------------------------------------------------------------------------
// Server → client requests

export interface InputParams {
    executionId: string;
    prompt: string;
}
export interface InputResult {
    text: string;
    /** End of input (as Ctrl+D): `readLines(stdin())` stops reading. */
    eof?: boolean;
}
/** R code asks for a line of input (readline(), menu(), readLines(stdin())). */
export const InputRequest = new RequestType<InputParams, InputResult, void>('r/input');

/** Every custom method, for the protocol-document check. */
export const allMethods = [
    ExecuteRequest.method,
    InterruptRequest.method,
    RestartRequest.method,
    StatusRequest.method,
    VariablesRequest.method,
    ConsoleRequest.method,
    ExecutionStateNotification.method,
    OutputNotification.method,
    ConditionNotification.method,
    SymbolsChangedNotification.method,
    KernelStatusNotification.method,
    InputRequest.method,
];
