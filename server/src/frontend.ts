/**
 * One client's LSP connection to the session: its requests and
 * notifications, checked and handed to the session, and the session's
 * messages sent back on it. Over stdio (`--stdio`) there is one for the
 * server's life; a detached session (`--session`, daemon.ts) makes one for
 * every client that attaches, all on the same Session through the hub
 * (hub.ts).
 */
import { fileURLToPath } from 'url';
import {
    CancellationToken,
    CancellationTokenSource,
    Connection,
    ErrorCodes,
    InitializeResult,
    NotificationType,
    ResponseError,
    TextDocumentSyncKind,
    TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
    ClearPlotsRequest,
    ConsoleRequest,
    DataViewCloseRequest,
    DataViewFilterRequest,
    DataViewOpenVariableRequest,
    DataViewRowsRequest,
    DataViewSchemaRequest,
    DataViewSortRequest,
    DataViewSummaryRequest,
    ExecuteParams,
    ExecuteResult,
    HelpRequest,
    EvaluateRequest,
    SetBreakpointsRequest,
    ExecuteRequest,
    InitializationOptions,
    InterruptRequest,
    JobCancelRequest,
    JobClearRequest,
    JobListRequest,
    JobOutputRequest,
    JobResultRequest,
    JobStartRequest,
    PlotSettingsNotification,
    PlotsRequest,
    RemovePlotRequest,
    RenderPlotRequest,
    RestartRequest,
    SessionInfoRequest,
    SessionInfoResult,
    StatusRequest,
    StopSessionRequest,
    VariablesRequest,
} from '../../common/protocol';
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
    validateJobClear,
    validateJobId,
    validateJobResult,
    validateJobStart,
    validatePlotSettings,
    validateRemovePlot,
    validateRenderPlot,
    validateVariables,
    validateEvaluate,
    validateSetBreakpoints,
} from './transport/validate';

/** What a frontend needs from the process around it (server.ts, daemon.ts). */
export interface FrontendHost {
    /** The session, once the first client's initialize has made it. */
    readonly session: Session | undefined;
    /** Makes the session (first initialize) or attaches this frontend to it; returns it. */
    initialize(frontend: Frontend, options: InitializationOptions, root: string | undefined): Session;
    /** The client said `initialized`: the session starts, or the client catches up on it. */
    initialized(frontend: Frontend): void;
    execute(frontend: Frontend, params: ExecuteParams, token: CancellationToken): Promise<ExecuteResult>;
    sessionInfo(frontend: Frontend): SessionInfoResult;
    /** `shutdown` (stdio: stop R; session: detach this client). */
    shutdown(frontend: Frontend): Promise<void>;
    /** `exit`, or the connection closed. */
    closed(frontend: Frontend): void;
    /** r/stopSession. */
    stopSession(frontend: Frontend): Promise<null>;
    /** The documents of every attached client, for the language features. */
    document(uri: string): TextDocument | undefined;
}

function rootPath(rootUri: string | null | undefined): string | undefined {
    if (!rootUri?.startsWith('file:')) return undefined;
    try {
        return fileURLToPath(rootUri);
    } catch {
        return undefined;
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

let nextFrontendId = 1;

export class Frontend {
    readonly id = nextFrontendId++;
    readonly documents = new TextDocuments(TextDocument);
    /** Fires when the client is gone: its executions that have not started are dropped. */
    private readonly gone = new CancellationTokenSource();
    private initializedSession: Session | undefined;
    /** After `shutdown`, only `exit` is accepted (LSP). */
    private shutDown = false;
    /** The connection is closed (or closing): nothing more is sent on it. */
    closed = false;
    /** The client said `initialized`. */
    ready = false;
    readonly attachedAt = new Date();

    constructor(
        readonly connection: Connection,
        private readonly host: FrontendHost,
    ) {
        this.register();
    }

    get goneToken(): CancellationToken {
        return this.gone.token;
    }

    /** Sends a notification; one to a client that has gone is dropped. */
    notify<P>(type: NotificationType<P>, params: P): Promise<void> {
        if (this.closed) return Promise.resolve();
        try {
            return this.connection.sendNotification(type.method, params).catch(() => undefined);
        } catch {
            return Promise.resolve();
        }
    }

    log(message: string): void {
        if (this.closed) return;
        try {
            this.connection.console.log(message);
        } catch {
            // The connection may be closed.
        }
    }

    error(message: string): void {
        if (this.closed) return;
        try {
            this.connection.console.error(message);
        } catch {
            // The connection may be closed.
        }
    }

    /** The client is gone: say so once (its queued executions are dropped). */
    markGone(): void {
        if (this.closed) return;
        this.closed = true;
        this.gone.cancel();
    }

    private session(): Session {
        const session = this.initializedSession;
        if (!session) throw new ResponseError(-32002, 'the server has not been initialized');
        if (this.shutDown) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down: only exit is accepted');
        return session;
    }

    private register(): void {
        const connection = this.connection;
        connection.onInitialize((params): InitializeResult => {
            const options = validateInitOptions(params.initializationOptions);
            // The protocol has one initialize per connection; a second one must
            // not start a second R beside the first.
            if (this.initializedSession) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is already initialized');
            if (this.shutDown) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down: only exit is accepted');
            this.initializedSession = this.host.initialize(this, options, rootPath(params.rootUri));
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
            this.session();
            this.ready = true;
            this.host.initialized(this);
        });

        /**
         * The session's requests, by method. They are dispatched from one
         * handler that sees the params exactly as sent: a request type would
         * have the library spread array params into positional arguments (a
         * second element would arrive where the cancellation token belongs)
         * and refuse absent params, which r/interrupt, r/restart and
         * r/status allow.
         */
        const requests: Record<string, (params: unknown, token: CancellationToken) => unknown> = {
            [ExecuteRequest.method]: (params, token) => {
                this.session();
                return this.host.execute(this, validateExecute(params), token);
            },
            [InterruptRequest.method]: (params) => this.session().interrupt(validateInterrupt(params).keepQueue),
            [RestartRequest.method]: () => this.session().restart(),
            [StatusRequest.method]: () => this.session().status(),
            [VariablesRequest.method]: (params, token) => this.session().variablesRequest(validateVariables(params), token),
            [ConsoleRequest.method]: (params) => this.session().setConsole(validateConsole(params)),
            [PlotsRequest.method]: () => this.session().plots.list(),
            [RenderPlotRequest.method]: (params, token) => this.session().plots.render(validateRenderPlot(params), token),
            [RemovePlotRequest.method]: (params) => this.session().plots.remove(validateRemovePlot(params)),
            [ClearPlotsRequest.method]: () => this.session().plots.clear(),
            [DataViewOpenVariableRequest.method]: (params, token) => this.session().dataViews.openVariable(validateDataViewOpenVariable(params), token),
            [DataViewSchemaRequest.method]: (params, token) => this.session().dataViews.schema(validateDataView(DataViewSchemaRequest.method, params), token),
            [DataViewRowsRequest.method]: (params, token) => this.session().dataViews.rows(validateDataViewRows(params), token),
            [DataViewSortRequest.method]: (params, token) => this.session().dataViews.sort(validateDataViewSort(params), token),
            [DataViewFilterRequest.method]: (params, token) => this.session().dataViews.filter(validateDataViewFilter(params), token),
            [DataViewSummaryRequest.method]: (params, token) => this.session().dataViews.summary(validateDataViewSummary(params), token),
            [DataViewCloseRequest.method]: (params) => this.session().dataViews.close(validateDataView(DataViewCloseRequest.method, params)),
            [HelpRequest.method]: (params, token) => this.session().help.help(validateHelp(params), token),
            [EvaluateRequest.method]: (params, token) => this.session().debug.evaluate(validateEvaluate(params), token),
            [SetBreakpointsRequest.method]: (params) => this.session().debug.setBreakpoints(validateSetBreakpoints(params)),
            [JobStartRequest.method]: (params, token) => this.session().jobs.start(validateJobStart(params), token),
            [JobListRequest.method]: () => this.session().jobs.list(),
            [JobCancelRequest.method]: (params) => this.session().jobs.cancel(validateJobId(JobCancelRequest.method, params).jobId),
            [JobResultRequest.method]: (params, token) => this.session().jobs.result(validateJobResult(params), token),
            [JobOutputRequest.method]: (params) => this.session().jobs.getOutput(validateJobId(JobOutputRequest.method, params).jobId),
            [JobClearRequest.method]: (params) => this.session().jobs.clear(validateJobClear(params)),
            [SessionInfoRequest.method]: () => {
                this.session();
                return this.host.sessionInfo(this);
            },
            [StopSessionRequest.method]: () => {
                this.session();
                return this.host.stopSession(this);
            },
        };

        // The language features, on the documents the client keeps in sync.
        // Their answers come at once while R runs code (from the server's caches).
        this.documents.listen(connection);
        connection.onCompletion((params, token) => answer(() => this.session().language.completion(params, token)));
        connection.onHover((params, token) => answer(() => this.session().language.hover(params, token)));
        connection.onSignatureHelp((params, token) => answer(() => this.session().language.signatureHelp(params, token)));

        // The client's notifications. One with bad params is dropped with a
        // line in the log (a notification has no answer to carry an error).
        const notifications: Record<string, (params: unknown) => void> = {
            [PlotSettingsNotification.method]: (params) => this.session().plots.setSettings(validatePlotSettings(params)),
        };
        for (const [method, handler] of Object.entries(notifications)) {
            connection.onNotification(method, (params: unknown) => {
                try {
                    handler(params);
                } catch (e) {
                    this.error(`${method}: ${(e as Error).message}`);
                }
            });
        }

        connection.onRequest((method: string, params: unknown, token: CancellationToken) => {
            const handler = Object.hasOwn(requests, method) ? requests[method] : undefined;
            if (!handler) throw new ResponseError(ErrorCodes.MethodNotFound, `Unhandled method ${method}`);
            // Some clients' JSON libraries cannot tell an empty object from an
            // empty array and send `[]` for "no params" (Neovim 0.7's built-in client).
            const given = Array.isArray(params) && params.length === 0 ? undefined : params;
            return answer(() => handler(given, token));
        });

        connection.onShutdown(async () => {
            // Like every request, shutdown needs an initialized server; a
            // shutdown that was answered leaves nothing to start afterwards.
            if (!this.initializedSession && !this.shutDown) throw new ResponseError(-32002, 'the server has not been initialized');
            this.shutDown = true;
            await this.host.shutdown(this);
        });

        connection.onExit(() => this.host.closed(this));
    }
}
