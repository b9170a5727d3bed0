/**
 * What activate() returns: a small API over the extension's real parts, so
 * that tests (and other extensions) can wait for real events (R ready, an
 * execution answered, text in the console) instead of sleeping, and can
 * look at what the user would see (status bar text, tree rows, console text).
 */
import type * as vscode from 'vscode';
import type { ExecuteResult, InitializationOptions, JobInfo, PlotInfo, SessionInfoResult } from '../../common/protocol';
import type { SessionEntry } from '../../common/sessions';
import type { ErrorLocation } from './errorLocations';
import type { HelpShown, HelpView } from './help/protocol';
import type { Notice } from './notifier';
import type { JobsTreeProvider } from './jobs/jobsTree';
import type { ShownImage } from './plots/plotsView';
import type { DataViewSnapshot } from './dataView/dataViews';
import type { CellRange, PageRequest, PageResults } from './dataView/protocol';
import type { ViewSize } from './plots/protocol';
import type { AttachEvent, ExecutionRecord, PendingExecution, SessionState } from './session';
import type { StatusView } from './statusText';
import type { VariablesTreeProvider } from './variablesTree';
import type { BrowserStop } from './debug/browserStops';
import type { Highlight } from './debug/currentLine';
import type { RDebugAdapter } from './debug/adapter';

export interface RBridgeApi {
    /**
     * Starts R if it is not running (as an explicit command would) and
     * resolves when it is ready; rejects with the reason when it cannot start.
     */
    kernelReady(): Promise<void>;
    /** The session's state now. */
    state(): SessionState;
    readonly onDidChangeState: vscode.Event<SessionState>;
    /** Every execution when R begins running it. */
    readonly onDidStartExecution: vscode.Event<PendingExecution>;
    /** Every execution when it is answered (from the editor, the console, the variables view or this API). */
    readonly onDidExecute: vscode.Event<ExecutionRecord>;
    lastResult(): ExecutionRecord | undefined;
    /** Executions sent and not answered yet, oldest first. */
    pending(): readonly PendingExecution[];
    /** The pending executions changed (one was sent, queued, started or answered). */
    readonly onDidChangePending: vscode.Event<void>;
    /** Runs code as the console would, without echo; for test set-up. */
    execute(code: string): Promise<ExecuteResult>;
    /** What the status bar shows, and whether the long-execution progress is up. */
    status(): { view: StatusView; progressVisible: boolean };
    readonly progress: {
        readonly onDidChangeVisibility: vscode.Event<boolean>;
        /** What the Cancel button of the progress notification does. */
        cancel(): void;
    };
    readonly console: {
        /** The console's text, without colours: output and entered lines, then the prompt line. */
        text(): string;
        /** Plain text as it is committed to the console. */
        readonly onDidWrite: vscode.Event<string>;
        /** The console's text or its prompt line may have changed. */
        readonly onDidChange: vscode.Event<void>;
        /** Sends keys or text to the console, as typing would. */
        type(data: string): void;
        /** Writes collected output now instead of at the next tick. */
        flush(): void;
        /** Whether the console's terminal exists. */
        exists(): boolean;
        /** Whether R waits for a line typed in the console (readline()). */
        awaitingInput(): boolean;
        terminal(): vscode.Terminal | undefined;
    };
    /** The variables view's data provider: getChildren()/getTreeItem() give the rows the view shows. */
    readonly variablesTree: VariablesTreeProvider;
    /** R's browser (`Browse[n]> ` in the console): where R stops, and the line the editor highlights. */
    readonly browser: {
        /** The stop R waits at, if any. */
        current(): BrowserStop | undefined;
        /** Whether R is in its browser (stopped, or running a step between two stops). */
        browsing(): boolean;
        /** The line the editor highlights as the one R runs next. */
        highlight(): Highlight | undefined;
        readonly onDidStop: vscode.Event<BrowserStop>;
        /** R left the browser. */
        readonly onDidExit: vscode.Event<void>;
        /** The highlight moved to a line (in the editors showing it), or went. */
        readonly onDidHighlight: vscode.Event<Highlight | undefined>;
    };
    /** The Plots view: its history, what it shows, and its size. */
    readonly plots: {
        /** The history, oldest first. */
        list(): readonly PlotInfo[];
        current(): PlotInfo | undefined;
        /** The current plot's position in list() (-1: none). */
        index(): number;
        /** The plot area's size, as measured by the view (or remembered from an earlier session). */
        viewSize(): ViewSize;
        /** The last picture the view put on screen, with the PNG's pixel size from its header. */
        shown(): ShownImage | undefined;
        /** The note the view shows above the plot ("R was restarted: …"). */
        banner(): string | undefined;
        /** Whether the view's panel exists. */
        isOpen(): boolean;
        /** The zoom tabs open, each with the last picture it showed. */
        zoomed(): { plotId: string; shown?: { naturalWidth: number; naturalHeight: number } }[];
        readonly onDidChange: vscode.Event<void>;
        readonly onDidShowImage: vscode.Event<ShownImage>;
    };
    /** Background jobs (jobs/): what the Jobs view lists and shows. */
    readonly jobs: {
        /** The jobs, oldest first, as this window knows them. */
        list(): JobInfo[];
        /** The Jobs view's data provider: getChildren()/getTreeItem() give the rows the view shows. */
        readonly tree: JobsTreeProvider;
        /** What a job's output channel was given so far (undefined: it was never shown). */
        output(jobId: string): string | undefined;
        /** The jobs whose progress the status bar shows, with its text. */
        progress(): { jobId: string; message: string }[];
        /** A job, or the list, changed. */
        readonly onDidChange: vscode.Event<unknown>;
        /** Text was written to a job's output channel (the job's id). */
        readonly onDidWriteOutput: vscode.Event<string>;
    };
    /** The data viewer's tabs (View(x), View Data): what each shows, and its requests as its page sends them. */
    readonly dataViews: {
        /** The open views, oldest first. */
        list(): DataViewSnapshot[];
        get(viewId: string): DataViewSnapshot | undefined;
        /**
         * Sends a request as the view's page does (schema, rows, sort,
         * filter, summary): a sort or filter becomes the view's own and its
         * page shows it.
         */
        request<M extends PageRequest['method']>(viewId: string, request: Extract<PageRequest, { method: M }>): Promise<PageResults[M]>;
        /**
         * Copies the page's selection to the clipboard as Ctrl+C in the grid
         * does, first selecting `select` (0-based view rows and column
         * positions) if given; lastCopied then says what was copied.
         */
        copySelection(viewId: string, select?: CellRange): void;
        /** Closes the view's tab (r/dataView/close). */
        close(viewId: string): void;
        /** A view opened or closed, or what one shows changed. */
        readonly onDidChange: vscode.Event<void>;
    };
    /** The Help panel (r/showHelp, F1, R: Search Help): its history and what its page shows. */
    readonly help: {
        /** Whether the panel exists. */
        isOpen(): boolean;
        /** The entry of the history it shows: a page, a list of matches, or a sentence. */
        current(): HelpView | undefined;
        /** What the page last reported on screen for that entry (title, headings, links, Run example buttons). */
        shown(): HelpShown | undefined;
        canGoBack(): boolean;
        canGoForward(): boolean;
        back(): void;
        forward(): void;
        /** As typed in the search box: a topic (`lm`, `stats::lm`), or words (`??words`, or `words`). */
        search(text: string, words?: boolean): Promise<HelpView | undefined>;
        /** The page clicks, as a person would, a link to a topic, the nth Run example button, or the nth match of a list. */
        click(target: { target: 'link'; topic: string } | { target: 'example' | 'match'; index: number }): void;
        readonly onDidChange: vscode.Event<void>;
        readonly onDidShow: vscode.Event<HelpShown>;
    };
    readonly errors: {
        last(): ErrorLocation | undefined;
        /** The diagnostics R Bridge shows for a document: the warnings and errors of code run from it. */
        diagnostics(uri: vscode.Uri): readonly vscode.Diagnostic[];
        /** The console links on a line of console text, as the terminal would ask for them. */
        linksIn(line: string): { startIndex: number; length: number }[];
    };
    /** Detached sessions (common/sessions.ts): the one this window is attached to, and the registry. */
    readonly sessions: {
        /** The session this window is attached to (undefined over stdio, or when not attached). */
        attached(): SessionEntry | undefined;
        /** What r/sessionInfo said when this window attached. */
        info(): SessionInfoResult | undefined;
        /** The live sessions in the registry, newest first. */
        list(): SessionEntry[];
        /** This window attached to a session (`reattached`: it was running already). */
        readonly onDidAttach: vscode.Event<AttachEvent>;
    };
    /** The options the running server was started with (undefined before the first start). */
    initializationOptions(): InitializationOptions | undefined;
    /** The options a server started now would get, from the current settings and trust. */
    nextInitializationOptions(): InitializationOptions;
    readonly notices: {
        all(): readonly Notice[];
        readonly onDidNotify: vscode.Event<Notice>;
        /** Answers notifications from now on as a click on a button would (undefined: leave them to the user). */
        answerWith(answer: ((notice: Notice) => string | undefined) | undefined): void;
    };
    /** VS Code's debugger for R (debug/). */
    readonly debug: {
        /** A new debug adapter for the session, as VS Code gets for a debug session of type 'r': speak DAP to it with handleMessage. */
        createAdapter(): RDebugAdapter;
    };
    /** R asked for input: where the question went. */
    readonly onDidAskInput: vscode.Event<{ prompt: string; via: 'console' | 'inputBox' }>;
    readonly testing: {
        /** Acts as if the workspace were trusted (true) or not (false); undefined goes back to VS Code's answer. */
        overrideTrust(trusted: boolean | undefined): void;
        /** Stops the server and R (a detached session too, as R: Stop Session does). */
        stop(): Promise<void>;
        /** Lets go of a detached session as closing the window would (R keeps running); false if not attached to one. */
        detach(): Promise<boolean>;
        /** Whether R would start on its own now (opening an R file, activation). */
        mayStartAutomatically(): boolean;
        /** What activation does to start R: starts it only if that is allowed. Resolves true if it started R. */
        autoStart(): Promise<boolean>;
    };
}
