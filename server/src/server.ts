/**
 * The language server entry point (`node dist/server.js --stdio`): LSP base
 * protocol on stdin/stdout, one R session behind it. Nothing but protocol is
 * written to stdout; diagnostics go through window/logMessage.
 */
import * as path from 'path';
import { fileURLToPath } from 'url';
import {
    CancellationToken,
    ErrorCodes,
    InitializeResult,
    NotificationType,
    ResponseError,
    StreamMessageWriter,
    TextDocumentSyncKind,
    TextDocuments,
    createConnection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
    ClearPlotsRequest,
    ConditionNotification,
    ConsoleRequest,
    DataViewChangedNotification,
    DataViewCloseRequest,
    DataViewFilterRequest,
    DataViewOpenNotification,
    DataViewOpenVariableRequest,
    DataViewRowsRequest,
    DataViewSchemaRequest,
    DataViewSortRequest,
    DataViewSummaryRequest,
    HelpRequest,
    ShowHelpMatchesNotification,
    ShowHelpNotification,
    ExecuteRequest,
    ExecutionStateNotification,
    InitializationOptions,
    InputRequest,
    InterruptRequest,
    KernelStatusNotification,
    OutputNotification,
    PlotNotification,
    PlotSettingsNotification,
    PlotsChangedNotification,
    PlotsRequest,
    RemovePlotRequest,
    RenderPlotRequest,
    RestartRequest,
    StatusRequest,
    SymbolsChangedNotification,
    VariablesRequest,
} from '../../common/protocol';
import { CoalescingWriter } from './transport/coalescingWriter';
import { FramedMessageReader } from './transport/messageReader';
import { Session, SessionError } from './session/session';
import {
    validateConsole,
    validateDataView,
    validateDataViewFilter,
    validateDataViewOpenVariable,
    validateDataViewRows,
    validateDataViewSort,
    validateDataViewSummary,
    validateHelp,
    validateExecute,
    validateInitOptions,
    validateInterrupt,
    validatePlotSettings,
    validateRemovePlot,
    validateRenderPlot,
    validateVariables,
} from './transport/validate';

const reader = new FramedMessageReader(process.stdin);
const writer = new StreamMessageWriter(CoalescingWriter.forStdout() as unknown as NodeJS.WritableStream);
const connection = createConnection(reader, writer);

let session: Session | undefined;
let leaving = false;
/** After `shutdown`, only `exit` is accepted (LSP). */
let shutDown = false;
let initOptions: InitializationOptions = {};

const kernelDir = process.env.RBRIDGE_KERNEL_DIR || path.join(__dirname, '..', 'kernel');

function rootPath(rootUri: string | null | undefined): string | undefined {
    if (!rootUri?.startsWith('file:')) return undefined;
    try {
        return fileURLToPath(rootUri);
    } catch {
        return undefined;
    }
}

function requireSession(): Session {
    if (!session) throw new ResponseError(-32002, 'the server has not been initialized');
    if (shutDown) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down: only exit is accepted');
    return session;
}

/**
 * Sends a notification; once the client is gone (or the connection broke)
 * there is nobody to tell, and the session must not trip over that while
 * it shuts R down.
 */
function notify<P>(type: NotificationType<P>, params: P): Promise<void> {
    if (leaving) return Promise.resolve();
    try {
        return connection.sendNotification(type.method, params).catch(() => undefined);
    } catch {
        return Promise.resolve();
    }
}

/** Turns session errors into JSON-RPC errors with their codes. */
async function answer<T>(work: () => T | Promise<T>): Promise<T> {
    try {
        return await work();
    } catch (e) {
        if (e instanceof ResponseError) throw e;
        if (e instanceof SessionError) throw new ResponseError(e.code, e.message);
        throw new ResponseError(ErrorCodes.InternalError, (e as Error).message ?? String(e));
    }
}

connection.onInitialize((params): InitializeResult => {
    const options = validateInitOptions(params.initializationOptions);
    // The protocol has one initialize per connection; a second one must not
    // start a second R beside the first.
    if (session) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is already initialized');
    if (shutDown) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down: only exit is accepted');
    initOptions = options;
    session = new Session(
        {
            rPath: initOptions.rPath || 'R',
            rArgs: initOptions.rArgs ?? [],
            cwd: initOptions.cwd || rootPath(params.rootUri) || process.cwd(),
            env: initOptions.env,
            autoRestart: initOptions.autoRestart ?? false,
            workspaceTrusted: initOptions.workspaceTrusted ?? false,
            kernelDir,
            startTimeoutMs: Number(process.env.RBRIDGE_START_TIMEOUT_MS) || undefined,
            helpViewer: initOptions.helpViewer ?? false,
            document: (uri) => documents.get(uri),
        },
        {
            output: (p) => notify(OutputNotification, p),
            executionState: (p) => void notify(ExecutionStateNotification, p),
            condition: (p) => void notify(ConditionNotification, p),
            symbolsChanged: (p) => void notify(SymbolsChangedNotification, p),
            kernelStatus: (p) => void notify(KernelStatusNotification, p),
            plot: (p) => void notify(PlotNotification, p),
            plotsChanged: (p) => void notify(PlotsChangedNotification, p),
            dataViewOpen: (p) => void notify(DataViewOpenNotification, p),
            dataViewChanged: (p) => void notify(DataViewChangedNotification, p),
            showHelp: (p) => void notify(ShowHelpNotification, p),
            showHelpMatches: (p) => void notify(ShowHelpMatchesNotification, p),
            input: (p, token) => connection.sendRequest(InputRequest, p, token),
            log: (message) => {
                if (!leaving) connection.console.log(message);
            },
        },
    );
    return {
        capabilities: {
            textDocumentSync: TextDocumentSyncKind.Incremental,
            completionProvider: { triggerCharacters: ['$', '@', ':', '(', ',', '[', '"', "'", '/'] },
            hoverProvider: true,
            signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [')'] },
        },
        serverInfo: { name: 'rbridge', version: '0.1.0' },
    };
});

connection.onInitialized(() => {
    void requireSession().start();
});

/**
 * The session's requests, by method. They are dispatched from one handler
 * that sees the params exactly as sent: a request type would have the
 * library spread array params into positional arguments (a second element
 * would arrive where the cancellation token belongs) and refuse absent
 * params, which r/interrupt, r/restart and r/status allow.
 */
const requests: Record<string, (params: unknown, token: CancellationToken) => unknown> = {
    [ExecuteRequest.method]: (params, token) => requireSession().execute(validateExecute(params), token),
    [InterruptRequest.method]: (params) => requireSession().interrupt(validateInterrupt(params).keepQueue),
    [RestartRequest.method]: () => requireSession().restart(),
    [StatusRequest.method]: () => requireSession().status(),
    [VariablesRequest.method]: (params, token) => requireSession().variablesRequest(validateVariables(params), token),
    [ConsoleRequest.method]: (params) => requireSession().setConsole(validateConsole(params)),
    [PlotsRequest.method]: () => requireSession().plots.list(),
    [RenderPlotRequest.method]: (params, token) => requireSession().plots.render(validateRenderPlot(params), token),
    [RemovePlotRequest.method]: (params) => requireSession().plots.remove(validateRemovePlot(params)),
    [ClearPlotsRequest.method]: () => requireSession().plots.clear(),
    [DataViewOpenVariableRequest.method]: (params, token) => requireSession().dataViews.openVariable(validateDataViewOpenVariable(params), token),
    [DataViewSchemaRequest.method]: (params, token) => requireSession().dataViews.schema(validateDataView(DataViewSchemaRequest.method, params), token),
    [DataViewRowsRequest.method]: (params, token) => requireSession().dataViews.rows(validateDataViewRows(params), token),
    [DataViewSortRequest.method]: (params, token) => requireSession().dataViews.sort(validateDataViewSort(params), token),
    [DataViewFilterRequest.method]: (params, token) => requireSession().dataViews.filter(validateDataViewFilter(params), token),
    [DataViewSummaryRequest.method]: (params, token) => requireSession().dataViews.summary(validateDataViewSummary(params), token),
    [DataViewCloseRequest.method]: (params) => requireSession().dataViews.close(validateDataView(DataViewCloseRequest.method, params)),
    [HelpRequest.method]: (params, token) => requireSession().help.help(validateHelp(params), token),
};

// The language features, on the documents the client keeps in sync. Their
// answers come at once while R runs code (from the server's caches).
const documents = new TextDocuments(TextDocument);
documents.listen(connection);
connection.onCompletion((params, token) => answer(() => requireSession().language.completion(params, token)));
connection.onHover((params, token) => answer(() => requireSession().language.hover(params, token)));
connection.onSignatureHelp((params, token) => answer(() => requireSession().language.signatureHelp(params, token)));

// The client's notifications. One with bad params is dropped with a line in
// the log (a notification has no answer to carry an error).
const notifications: Record<string, (params: unknown) => void> = {
    [PlotSettingsNotification.method]: (params) => requireSession().plots.setSettings(validatePlotSettings(params)),
};

for (const [method, handler] of Object.entries(notifications)) {
    connection.onNotification(method, (params: unknown) => {
        try {
            handler(params);
        } catch (e) {
            connection.console.error(`${method}: ${(e as Error).message}`);
        }
    });
}

connection.onRequest((method: string, params: unknown, token: CancellationToken) => {
    const handler = Object.hasOwn(requests, method) ? requests[method] : undefined;
    if (!handler) throw new ResponseError(ErrorCodes.MethodNotFound, `Unhandled method ${method}`);
    // Some clients' JSON libraries cannot tell an empty object from an empty
    // array and send `[]` for "no params" (Neovim 0.7's built-in client).
    const given = Array.isArray(params) && params.length === 0 ? undefined : params;
    return answer(() => handler(given, token));
});

connection.onShutdown(async () => {
    // Like every request, shutdown needs an initialized server; a shutdown
    // that was answered leaves nothing to start afterwards.
    if (!session && !shutDown) throw new ResponseError(-32002, 'the server has not been initialized');
    shutDown = true;
    await session?.dispose();
});

// `exit` without `shutdown` first: stop R all the same (the library then
// exits with code 1, as the LSP specification asks).
connection.onExit(() => {
    leaving = true;
    void session?.dispose();
});

// The client going away (its end of stdio closing) ends everything: queued
// executions are dropped, the running one is interrupted, R is stopped, and
// the server exits cleanly.
function leave(): void {
    if (leaving) return;
    leaving = true;
    const done = () => process.exit(0);
    setTimeout(done, 4000).unref();
    void (session?.dispose() ?? Promise.resolve()).then(done, done);
}
process.stdin.on('end', leave);
process.stdin.on('close', leave);
process.stdout.on('error', leave);
reader.onError((error) => {
    // Malformed input has been dropped by the reader (server/src/messageReader.ts),
    // which says what was wrong in a short message; the server carries on.
    try {
        connection.console.error(`input: ${String(error.message).slice(0, 500)}`);
    } catch {
        // The connection may be closed.
    }
});

// Stopped by a signal (Neovim and `kill` stop servers with SIGTERM; a closed
// terminal sends SIGHUP): exiting runs the exit handler that kills R and its
// process group and removes the kernel's private folder, synchronously, so
// that nothing R was running or had queued goes on after the server.
for (const [signal, number] of [
    ['SIGTERM', 15],
    ['SIGHUP', 1],
    ['SIGINT', 2],
] as const) {
    process.on(signal, () => {
        leaving = true;
        process.exit(128 + number);
    });
}

process.on('uncaughtException', (e) => {
    // A bug must not take the user's R session down with the server.
    try {
        connection.console.error(`internal error: ${e.stack ?? e}`);
    } catch {
        // The connection itself may be the problem.
    }
});

connection.listen();
