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
     * The client shows R's help pages itself (r/showHelp): R then sends the
     * pages ?topic and help() open instead of printing them as text.
     */
    helpViewer?: boolean;
    /**
     * Whether the workspace is trusted. Only then does R run the working
     * directory's `.Rprofile`; otherwise only the user's `~/.Rprofile` runs.
     */
    workspaceTrusted?: boolean;
    /** Background jobs (r/job/...). */
    jobs?: JobsOptions;
}

export interface JobsOptions {
    /** Local worker processes of the default plan (default 2). */
    workers?: number;
    /**
     * Another `future` plan, as R code run in the job controller, e.g.
     * `future::plan(future::cluster, workers = c("n1", "n2"))` or
     * `future::plan(future.batchtools::batchtools_slurm)`. Default: a pool of
     * `workers` local processes kept by R Bridge.
     */
    plan?: string;
    /** A result bigger than this (bytes, as object.size() counts) is not brought into the session (default 1 GiB). */
    maxResultBytes?: number;
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
    /**
     * While R browses: the locals of this frame (BrowserFrame.index), or
     * with `path` the children of one of them (path[0] names the local).
     * An error (BrowserNotStoppedError) when R is not stopped in the browser.
     */
    frame?: number;
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

/** Error code of r/variables and r/evaluate with a `frame` when R is not stopped in the browser. */
export const BrowserNotStoppedError = -32806;

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
    /**
     * 'browser': R stopped in its debugger (`browser()`, `debug()`,
     * `debugonce()`, `trace(..., browser)`, `recover()` after its frame
     * selection, a breakpoint) and waits at `Browse[n]> ` for a command
     * (`n`, `s`, `f`, `c`, `Q`, `where`, `help`) or an R expression,
     * evaluated in the frame. The fields below say where it stands.
     * Absent: a line of input for readline(), menu(), readLines(stdin()),
     * or R's own question (quit()'s "Save workspace image?").
     */
    kind?: 'browser';
    /** The n of `Browse[n]>`: R's browser level. */
    level?: number;
    /** Function frames on the stack; the browsed frame is frame `depth` (0: R browses at the top level). */
    depth?: number;
    /** The browsed frame's call, deparsed on one line ('' at the top level). */
    call?: string;
    /** Where R stands in that frame: the expression it runs next, when R has its source. */
    uri?: string;
    range?: Range;
    /** The stack, outermost call first (`frames[depth - 1]` is the browsed frame). */
    frames?: BrowserFrame[];
    /** The breakpoint that stopped R here (an id from r/setBreakpoints). */
    breakpointId?: number;
}

/** A function frame on the stack while R browses. */
export interface BrowserFrame {
    /** As sys.frame() counts: 1 is the outermost call. Pass it as `frame` to r/variables and r/evaluate. */
    index: number;
    /** The call, deparsed on one line and cut to 200 characters. */
    call: string;
    /** The name the function was called by (`f`, `stats::lm`); '' for an anonymous one. */
    name: string;
    /** Where this frame stands in its source: the call into the next frame, or for the browsed frame the expression it runs next. */
    uri?: string;
    range?: Range;
}
export interface InputResult {
    text: string;
    /** End of input (as Ctrl+D): `readLines(stdin())` stops reading. */
    eof?: boolean;
}
/** R code asks for a line of input (readline(), menu(), readLines(stdin())). */
export const InputRequest = new RequestType<InputParams, InputResult, void>('r/input');

// ---------------------------------------------------------------------------
// Plots (see docs/protocol.md, "Plots")

/** Formats a plot renders to: PNG on screen, SVG (svglite when installed) and PDF for export. */
export type PlotFormat = 'png' | 'svg' | 'pdf';

/** A rendered picture of a plot. */
export interface PlotImage {
    format: PlotFormat;
    mimeType: string;
    /** The file's bytes, base64. */
    data: string;
    /** The size asked for, in CSS pixels; a PNG is `width × pixelRatio` by `height × pixelRatio` pixels. */
    width: number;
    height: number;
    pixelRatio: number;
}

/** Where a plot came from. */
export interface PlotInfo {
    /** Unique in the server's lifetime (plots of an earlier R carry ids no later R reuses). */
    plotId: string;
    /** The execution that drew it (its last change). */
    executionId: string | null;
    /** 1-based line of the execution's code whose top-level expression drew it (0 or absent: unknown). */
    line?: number;
    /** That line in the coordinates of the document the code came from, when the execution gave `uri` and `range`. */
    uri?: string;
    range?: Range;
}

export interface PlotParams extends PlotInfo {
    /** 'new': a page R started; 'update': drawing added to a page already announced (lines() after plot()). */
    kind: 'new' | 'update';
    /**
     * The plot rendered as PNG at the size of the last r/plotSettings, when a
     * client sent one: the first picture needs no r/renderPlot.
     */
    image?: PlotImage;
}
/** R drew a plot; sent before the answer of the execution that drew it, like its output. */
export const PlotNotification = new NotificationType<PlotParams>('r/plot');

export interface PlotSettingsParams {
    /** The Plots view's size in CSS pixels (at least 1). */
    width: number;
    height: number;
    /** The screen's device pixel ratio (default 1). */
    pixelRatio?: number;
    /** The plot's background colour, as R names colours (default: "white"). */
    background?: string;
}
/**
 * The size of the client's Plots view: new plots are rendered at that size
 * while R is busy anyway (in r/plot's `image`), and new plotting devices
 * take it. Applied to every later kernel too.
 */
export const PlotSettingsNotification = new NotificationType<PlotSettingsParams>('r/plotSettings');

export interface RenderPlotParams {
    plotId: string;
    /** In CSS pixels (1 to 20000). */
    width: number;
    height: number;
    /** Default 1 (PNG only: the PNG has `width × pixelRatio` pixels). */
    pixelRatio?: number;
    format: PlotFormat;
    /** Default: the last r/plotSettings' background, else "white". */
    background?: string;
}
export interface RenderPlotResult extends PlotImage {
    plotId: string;
}
/**
 * Renders a plot of the history: a kernel request (waits for R to be idle,
 * behind the executions sent before it). Errors: unknown plotId (-32602), a
 * size too small for the plot or a recording that fails to replay (-32603,
 * with R's message); R, the kernel and the history are left as they were.
 */
export const RenderPlotRequest = new RequestType<RenderPlotParams, RenderPlotResult, void>('r/renderPlot');

export type PlotsParams = Record<string, never>;
export interface PlotsResult {
    /** The history, oldest first. */
    plots: PlotInfo[];
}
/** The plots R keeps (answered at once). */
export const PlotsRequest = new RequestType<PlotsParams, PlotsResult, void>('r/plots');

export interface RemovePlotParams {
    plotId: string;
}
export interface RemovePlotResult {
    removed: boolean;
}
/** Drops a plot from the history (a kernel request). */
export const RemovePlotRequest = new RequestType<RemovePlotParams, RemovePlotResult, void>('r/removePlot');

export type ClearPlotsParams = Record<string, never>;
export interface ClearPlotsResult {
    removed: number;
}
/** Empties the history (a kernel request). */
export const ClearPlotsRequest = new RequestType<ClearPlotsParams, ClearPlotsResult, void>('r/clearPlots');

export interface PlotsChangedParams {
    /** Plots no longer in the history. */
    removed: string[];
    /**
     * 'removed' / 'cleared': a client asked; 'capped': the history's caps
     * (count or bytes) dropped the oldest; 'restart': R was restarted or
     * died, its plots with it; 'device': no plot was removed, but plots
     * no longer reach the view (`message` says why: user code set
     * `options(device)` to another device).
     */
    reason: 'removed' | 'cleared' | 'capped' | 'restart' | 'device';
    message?: string;
}
/** The history changed other than by a new plot. */
export const PlotsChangedNotification = new NotificationType<PlotsChangedParams>('r/plotsChanged');

// ---------------------------------------------------------------------------
// Data viewer (see docs/protocol.md, "Data viewer")

/** Error code of a data-view request that needs R while R runs code: the client keeps what it has and says "R is busy". */
export const RBusyError = -32801;

/** A table opened in a data view. */
export interface DataViewInfo {
    viewId: string;
    /** What the view shows in its title: View()'s title, else the expression or the variable's name. */
    title: string;
    /** Rows after the view's filter (all rows without one). */
    rows: number;
    /** Rows of the object itself. */
    totalRows: number;
    columns: number;
    /** The object's class, e.g. ["tbl_df", "tbl", "data.frame"]. */
    class: string[];
    /** The execution that called View(), for r/dataView/open. */
    executionId?: string | null;
}
/** R code called View(x): a client opens a grid on it. Sent before the answer of that execution. */
export const DataViewOpenNotification = new NotificationType<DataViewInfo>('r/dataView/open');

export interface DataViewOpenVariableParams {
    /** A variable's path as r/variables gives it (["df"], ["l", "[[2]]"], ["e", "$tbl"]). */
    path: string[];
    title?: string;
}
/** Opens a view on a variable without running code the user sees. */
export const DataViewOpenVariableRequest = new RequestType<DataViewOpenVariableParams, DataViewInfo, void>('r/dataView/openVariable');

export interface DataViewParams {
    viewId: string;
}

export interface DataColumn {
    /** 0-based position in the object. */
    index: number;
    name: string;
    /** 'number' (double), 'integer', 'logical', 'character', 'factor', 'complex', 'date', 'datetime', 'list' or 'other'. */
    type: string;
    class: string[];
}
export interface DataViewSchemaResult {
    columns: DataColumn[];
    /** Whether the object has row names worth showing (not 1..n). */
    rowNames: boolean;
}
export const DataViewSchemaRequest = new RequestType<DataViewParams, DataViewSchemaResult, void>('r/dataView/schema');

export interface DataViewRowsParams extends DataViewParams {
    /** 0-based, in the view's order (after sort and filter). */
    start: number;
    /** At most MAX_DATA_VIEW_ROWS. */
    count: number;
    /** 0-based column indices (default: all, at most MAX_DATA_VIEW_COLUMNS from the first). */
    columns?: number[];
}
export interface DataViewRowsResult {
    start: number;
    /** Rows in the view (after the filter). */
    total: number;
    /** The columns of `values`, in order. */
    columns: number[];
    /** Row names (or 1-based row numbers of the object) of the rows returned. */
    rowNames: string[];
    /**
     * Column-major display strings: values[i][j] is row start+j of columns[i].
     * null for NA; NaN, Inf and -Inf as those words; an empty string is "".
     * A cell whose format() failed or took too long is `{ "error": message }`.
     */
    values: (string | null | { error: string })[][];
}
export const DataViewRowsRequest = new RequestType<DataViewRowsParams, DataViewRowsResult, void>('r/dataView/rows');
export const MAX_DATA_VIEW_ROWS = 1000;
export const MAX_DATA_VIEW_COLUMNS = 200;

export interface DataSortKey {
    column: number;
    descending?: boolean;
}
export interface DataViewSortParams extends DataViewParams {
    /** Most significant first; empty: the object's own order. */
    keys: DataSortKey[];
}
export interface DataViewTotalResult {
    total: number;
}
/** Sorts the view (cancellable with $/cancelRequest: R is interrupted). */
export const DataViewSortRequest = new RequestType<DataViewSortParams, DataViewTotalResult, void>('r/dataView/sort');

export type DataFilterOp =
    | 'eq'
    | 'ne'
    | 'lt'
    | 'le'
    | 'gt'
    | 'ge'
    | 'between'
    | 'isNA'
    | 'notNA'
    | 'contains'
    | 'startsWith'
    | 'endsWith'
    | 'regex'
    | 'in';
export interface DataFilter {
    column: number;
    op: DataFilterOp;
    /** The operand: a number for numeric columns, a string for text, "TRUE"/"FALSE" or a boolean for logical ones. */
    value?: string | number | boolean;
    /** The upper bound of 'between' (inclusive). */
    value2?: string | number;
    /** The set of 'in' (factor levels or strings). */
    values?: string[];
    /** For text filters: ignore case (default false). */
    ignoreCase?: boolean;
}
export interface DataViewFilterParams extends DataViewParams {
    /** All must hold; empty: no filter. */
    filters: DataFilter[];
}
/** Filters the view (cancellable with $/cancelRequest). */
export const DataViewFilterRequest = new RequestType<DataViewFilterParams, DataViewTotalResult, void>('r/dataView/filter');

export interface DataViewSummaryParams extends DataViewParams {
    column: number;
}
export interface DataColumnSummary {
    column: number;
    name: string;
    type: string;
    /** Over all rows of the object (the filter does not apply). */
    rows: number;
    /**
     * A column of more than 100,000 rows is summarised from this many
     * evenly spaced rows: every figure but `rows`, `naCount` and (with
     * `exactRange`) `min` and `max` is of the sample.
     */
    sample?: number;
    /** Over all rows, also for a sampled column. */
    naCount: number;
    distinct?: number;
    min?: string;
    max?: string;
    /** `min` and `max` are over all rows of a sampled column (numbers and dates). */
    exactRange?: boolean;
    mean?: number;
    median?: number;
    /** 25%, 50% and 75%. */
    quartiles?: [number, number, number];
    /** Most frequent values, most frequent first (text, factors, logicals). */
    top?: { value: string; count: number }[];
    /** For numbers: equal-width bins. */
    histogram?: { breaks: number[]; counts: number[] };
}
export const DataViewSummaryRequest = new RequestType<DataViewSummaryParams, DataColumnSummary, void>('r/dataView/summary');

export const DataViewCloseRequest = new RequestType<DataViewParams, null, void>('r/dataView/close');

export interface DataViewChangedParams {
    viewId: string;
    /** Rows in the view now (after the filter), and of the object. */
    rows: number;
    totalRows: number;
    columns: number;
    /** The columns changed (names or types): ask r/dataView/schema again. */
    schemaChanged?: boolean;
    /** The object is gone (removed, or no longer a table); the view keeps what it shows. */
    removed?: boolean;
    /** With `removed`: why, for the user. */
    reason?: string;
}
/** The object of a view changed (or went away): a client fetches its visible rows again. */
export const DataViewChangedNotification = new NotificationType<DataViewChangedParams>('r/dataView/changed');

// ---------------------------------------------------------------------------
// Help (see docs/protocol.md, "Help"). Completion, hover and signature help
// are the standard LSP requests (textDocument/completion, /hover,
// /signatureHelp) on documents the client keeps in sync.

export interface HelpMatch {
    topic: string;
    package: string;
    title: string;
}

export interface HelpPage {
    topic: string;
    package: string;
    title: string;
    /**
     * The page as R renders it (tools::Rd2HTML), body only, without R's
     * stylesheet. Links to other topics are `<a href="rhelp:?topic=…&package=…">`;
     * example code blocks are `<pre class="r-example">`.
     */
    html: string;
}

/** R code asked for help (?topic, help(topic)): the client shows the page. Sent before the answer of that execution. */
export interface ShowHelpParams extends HelpPage {
    executionId?: string | null;
}
export const ShowHelpNotification = new NotificationType<ShowHelpParams>('r/showHelp');

/** R code asked for help that matches several pages (?print, ??regression, help.search()). */
export interface ShowHelpMatchesParams {
    executionId?: string | null;
    /** What was asked for. */
    query: string;
    matches: HelpMatch[];
}
export const ShowHelpMatchesNotification = new NotificationType<ShowHelpMatchesParams>('r/showHelpMatches');

export interface HelpParams {
    /** A topic (`lm`, `print.data.frame`); with `package`, that package's page. */
    topic?: string;
    package?: string;
    /** Words to search for in help pages (as `??words`). */
    query?: string;
}
/** One page (`topic`), or the pages that match (`query`, or a topic found in several packages); an unknown topic gives `{ matches: [] }`. */
export type HelpResult = HelpPage | { matches: HelpMatch[] };
export const HelpRequest = new RequestType<HelpParams, HelpResult, void>('r/help');

/** Every custom method, for the protocol-document check. */
// ---------------------------------------------------------------------------
// Detached sessions (server started with --session; see common/sessions.ts)

/** An execution a client queued and left: dropped before it started (the queue of a client that went away is not kept). */
export interface DroppedExecution {
    executionId: string;
    codePreview: string;
}
export type SessionInfoParams = Record<string, never>;
export interface SessionInfoResult {
    /** 'stdio': the session ends with its one client; 'session': it outlives its clients. */
    mode: 'stdio' | 'session';
    /** The registry id (session mode). */
    id?: string;
    workspace?: string;
    /** The server's pid and when it started (ISO time). */
    serverPid: number;
    started: string;
    /** Clients attached now, this one included. */
    clients: number;
    /** Whether this client attached to a session that was already running. */
    reattached: boolean;
    /** The execution running now; its output and its result (r/executionResult) reach every attached client. */
    running?: { executionId: string; codePreview: string; elapsedMs: number };
    /** Executions dropped because their client went away; told once, to the first client that asks. */
    dropped: DroppedExecution[];
    /** Output printed while no client was attached that this client was sent (as r/output) when it attached. */
    backlogBytes: number;
    /** Output printed while no client was attached that did not fit in the bound. */
    backlogDroppedBytes: number;
    /** Minutes without a client after which an idle session stops (0: never). */
    idleTimeoutMinutes: number;
}
/** What the session is, and what happened while this client was away. */
export const SessionInfoRequest = new RequestType<SessionInfoParams, SessionInfoResult, void>('r/sessionInfo');

export type StopSessionParams = Record<string, never>;
/** Ends R and the session process (a detached session); answered before the server exits. */
export const StopSessionRequest = new RequestType<StopSessionParams, null, void>('r/stopSession');

/**
 * The result of an execution whose requesting client went away: sent to
 * every client attached when it ends.
 */
export const ExecutionResultNotification = new NotificationType<ExecuteResult>('r/executionResult');

// ---------------------------------------------------------------------------
// Background jobs (docs/protocol.md "Background jobs")

export type JobState = 'queued' | 'running' | 'done' | 'error' | 'cancelled';

export interface JobError {
    message: string;
    call?: string;
    /** The job's calls when the error happened, outermost first; file and 1-based line where the code is known. */
    traceback?: { call: string; file?: string; line?: number }[];
}

export interface JobStartParams {
    /** R code to run, or */
    code?: string;
    /** a file to run (absolute path). */
    file?: string;
    /** Where `code` comes from (error locations); with `range`. */
    uri?: string;
    range?: Range;
    name?: string;
    /** Assign the result to this name in the global environment when the job ends. */
    resultName?: string;
    /** Give the job the global variables its code uses, from the session (as `future` finds them); else it starts clean. */
    copyGlobals?: boolean;
}
export interface JobStartResult {
    jobId: string;
}
/** Start a background job; answered at once (the job is queued). */
export const JobStartRequest = new RequestType<JobStartParams, JobStartResult, void>('r/job/start');

export interface JobInfo {
    jobId: string;
    name: string;
    state: JobState;
    /** Where it runs, e.g. `host (pid 123)`. */
    worker?: string;
    /** Running time so far, or in all once ended. */
    elapsedMs: number;
    /** The file it runs, if any. */
    file?: string;
    progress?: { amount: number; total?: number; message?: string };
    error?: JobError;
    /** Once done: the result's size (object.size) and class. */
    resultBytes?: number;
    resultClass?: string[];
    /** The name the result was assigned to, if it was. */
    assignedTo?: string;
    /** Output bytes left out of the kept output (its start and end are kept). */
    outputDroppedBytes?: number;
}
export type JobStateParams = JobInfo;
/** A job's state changed (or its worker became known). */
export const JobStateNotification = new NotificationType<JobStateParams>('r/job/state');

export interface JobOutputParams {
    jobId: string;
    stream: 'stdout' | 'stderr';
    text: string;
}
/** What a job printed (stdout), its messages and warnings (stderr). */
export const JobOutputNotification = new NotificationType<JobOutputParams>('r/job/output');

export interface JobProgressParams {
    jobId: string;
    amount: number;
    total?: number;
    message?: string;
}
/** A job's progress (progressr). */
export const JobProgressNotification = new NotificationType<JobProgressParams>('r/job/progress');

export type JobListParams = Record<string, never>;
export interface JobListResult {
    jobs: JobInfo[];
}
/** The jobs, oldest first, until cleared. */
export const JobListRequest = new RequestType<JobListParams, JobListResult, void>('r/job/list');

export interface JobIdParams {
    jobId: string;
}
export interface JobCancelResult {
    /** False when the job had ended already. */
    cancelled: boolean;
}
/** Cancel a queued job (it never starts) or a running one (its worker is stopped and replaced). */
export const JobCancelRequest = new RequestType<JobIdParams, JobCancelResult, void>('r/job/cancel');

export interface JobResultParams extends JobIdParams {
    /** Assign the result to this name in the global environment. */
    assignTo?: string;
}
export interface JobResultResult {
    resultBytes: number;
    resultClass: string[];
    assignedTo?: string;
}
/** A done job's result: its size and class, and assigned in the session when asked. */
export const JobResultRequest = new RequestType<JobResultParams, JobResultResult, void>('r/job/result');

export interface JobOutputResult {
    output: JobOutputParams[];
    droppedBytes: number;
}
/** The output a job has printed so far, as kept (the start and the end when it printed much). */
export const JobOutputRequest = new RequestType<JobIdParams, JobOutputResult, void>('r/job/getOutput');

export interface JobClearParams {
    /** One ended job; without it, every ended job. */
    jobId?: string;
}
export interface JobClearResult {
    cleared: string[];
}
/** Forget ended jobs (and the results their workers kept). */
export const JobClearRequest = new RequestType<JobClearParams, JobClearResult, void>('r/job/clear');

// ---------------------------------------------------------------------------
// Debugging (see docs/protocol.md, "Debugging")

export interface EvaluateParams {
    /** R code, evaluated as typed at R's console: its value printed as R prints it. */
    expression: string;
    /**
     * While R browses: evaluate in this frame (BrowserFrame.index; default
     * the browsed frame). Otherwise the global environment, as a kernel
     * request that waits its turn behind the executions sent before it.
     */
    frame?: number;
    /** 'hover': only look a name up (no call is evaluated, a promise is not forced). */
    context?: 'hover' | 'repl' | 'watch';
}
export interface EvaluateResult {
    /** What R printed: the value as the console shows it, and any output of the evaluation (cut to 64 KiB). */
    value: string;
    /** class() of the value, joined with '/'; '' when there is none (an error). */
    type: string;
    /** The error the evaluation raised, when it did (value then holds R's message). */
    error?: boolean;
    /** Set when the value is a local of the frame with children: its path for r/variables (with `frame`). */
    path?: string[];
    /** How many children it has (0 when none). */
    children?: number;
}
/** Evaluates an expression for a debugger's console, watch or hover. */
export const EvaluateRequest = new RequestType<EvaluateParams, EvaluateResult, void>('r/evaluate');

export interface SourceBreakpoint {
    /** 0-based line in the document. */
    line: number;
    /** R code evaluated in the function's frame when the line is reached: R stops only when it is TRUE. */
    condition?: string;
}
export interface SetBreakpointsParams {
    uri: string;
    /** Every breakpoint of the document: those not listed are removed. */
    breakpoints: SourceBreakpoint[];
    /** The document's text, when the client has it unsaved; else the server reads the file. */
    text?: string;
}
export interface Breakpoint {
    /** Unique in the session; an r/input of kind 'browser' names the one that stopped R. */
    id: number;
    line: number;
    /** True once a function R has defined from this document holds the line (it then stops R there). */
    verified: boolean;
    /** Why it is not verified yet. */
    message?: string;
}
export interface SetBreakpointsResult {
    breakpoints: Breakpoint[];
}
/**
 * Sets the breakpoints of a document. They take effect in the functions R
 * defines from it (code run from the document or a selection of it, and
 * source() of the file), and in those already defined; changed while R is
 * stopped, they are honoured from the next stop.
 */
export const SetBreakpointsRequest = new RequestType<SetBreakpointsParams, SetBreakpointsResult, void>('r/setBreakpoints');

export interface BreakpointsChangedParams {
    uri: string;
    breakpoints: Breakpoint[];
}
/** Breakpoints became verified (R defined a function that holds them), or not any more. */
export const BreakpointsChangedNotification = new NotificationType<BreakpointsChangedParams>('r/breakpointsChanged');

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
    PlotNotification.method,
    PlotSettingsNotification.method,
    RenderPlotRequest.method,
    PlotsRequest.method,
    RemovePlotRequest.method,
    ClearPlotsRequest.method,
    PlotsChangedNotification.method,
    DataViewOpenNotification.method,
    DataViewOpenVariableRequest.method,
    DataViewSchemaRequest.method,
    DataViewRowsRequest.method,
    DataViewSortRequest.method,
    DataViewFilterRequest.method,
    DataViewSummaryRequest.method,
    DataViewCloseRequest.method,
    DataViewChangedNotification.method,
    ShowHelpNotification.method,
    ShowHelpMatchesNotification.method,
    HelpRequest.method,
    SessionInfoRequest.method,
    StopSessionRequest.method,
    ExecutionResultNotification.method,
    JobStartRequest.method,
    JobStateNotification.method,
    JobOutputNotification.method,
    JobProgressNotification.method,
    JobListRequest.method,
    JobCancelRequest.method,
    JobResultRequest.method,
    JobOutputRequest.method,
    JobClearRequest.method,
    EvaluateRequest.method,
    SetBreakpointsRequest.method,
    BreakpointsChangedNotification.method,
];
