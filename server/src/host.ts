/**
 * The process around the session: it makes the Session at the first
 * client's initialize, attaches later clients to it, and decides what a
 * client leaving means. Over stdio (`--stdio`) the one client's leaving
 * ends everything; a detached session (`--session`) goes on without
 * clients until r/stopSession, a signal or its idle timeout.
 */
import { CancellationToken, ResponseError } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ExecuteParams, ExecuteResult, InitializationOptions, SessionInfoResult } from '../../common/protocol';
import { Frontend, FrontendHost } from './frontend';
import { ClientHub } from './hub';
import { Session } from './session/session';
import { PrestartedKernel, kernelDir } from './kernel/prestart';


export interface HostOptions {
    mode: 'stdio' | 'session';
    /** Registry id and workspace of a detached session. */
    id?: string;
    workspace?: string;
    /** A detached session started from an untrusted workspace stays untrusted, whatever a client says. */
    trusted?: boolean;
    idleTimeoutMinutes?: number;
    /** R started before the first client's initialize (early.ts). */
    prestarted?: PrestartedKernel;
    /** Ends the process (after R is stopped). */
    exit(code: number): void;
}


export class SessionHost implements FrontendHost {
    session: Session | undefined;
    readonly hub = new ClientHub();
    readonly started = new Date();
    private leaving = false;
    /** Frontends that attached to a session another client made. */
    private readonly reattached = new WeakSet<Frontend>();

    constructor(readonly options: HostOptions) {}

    /** A new client connection (its frontend registers its handlers). */
    connect(frontend: Frontend): void {
        this.hub.add(frontend);
    }

    initialize(frontend: Frontend, options: InitializationOptions, root: string | undefined): Session {
        if (this.leaving) throw new ResponseError(-32600, 'the server is shutting down: only exit is accepted');
        if (this.session) {
            this.reattached.add(frontend);
            return this.session;
        }
        const detached = this.options.mode === 'session';
        this.session = new Session(
            {
                rPath: options.rPath || 'R',
                rArgs: options.rArgs ?? [],
                cwd: options.cwd || root || this.options.workspace || process.cwd(),
                env: options.env,
                autoRestart: options.autoRestart ?? false,
                workspaceTrusted: detached ? (this.options.trusted ?? false) && (options.workspaceTrusted ?? false) : (options.workspaceTrusted ?? false),
                kernelDir: kernelDir(),
                startTimeoutMs: Number(process.env.RBRIDGE_START_TIMEOUT_MS) || undefined,
                helpViewer: options.helpViewer ?? false,
                document: (uri) => this.document(uri),
                jobs: options.jobs,
                prestarted: this.options.prestarted,
            },
            this.hub,
        );
        return this.session;
    }

    initialized(frontend: Frontend): void {
        const session = this.session!;
        const first = !this.reattached.has(frontend);
        this.hub.ready(frontend, session, first);
        if (first) void session.start();
    }

    execute(frontend: Frontend, params: ExecuteParams, token: CancellationToken): Promise<ExecuteResult> {
        return this.hub.execute(frontend, this.session!, params, token);
    }

    sessionInfo(frontend: Frontend): SessionInfoResult {
        const running = this.session?.status().running;
        const away = this.hub.awayReport(frontend);
        return {
            mode: this.options.mode,
            ...(this.options.id ? { id: this.options.id } : {}),
            ...(this.options.workspace ? { workspace: this.options.workspace } : {}),
            serverPid: process.pid,
            started: this.started.toISOString(),
            clients: this.hub.attached.length,
            reattached: this.reattached.has(frontend),
            ...(running ? { running } : {}),
            dropped: away.dropped,
            backlogBytes: away.backlogBytes,
            backlogDroppedBytes: away.backlogDroppedBytes,
            idleTimeoutMinutes: this.options.idleTimeoutMinutes ?? 0,
        };
    }

    async shutdown(frontend: Frontend): Promise<void> {
        // A detached session outlives a client that shuts down: that is how
        // a client detaches (an editor's window closing or reloading).
        if (this.options.mode === 'session') return;
        this.leaving = true;
        await this.session?.dispose();
        void frontend;
    }

    closed(frontend: Frontend): void {
        if (this.options.mode === 'session') {
            this.hub.remove(frontend);
            return;
        }
        this.leave(0);
    }

    async stopSession(frontend: Frontend): Promise<null> {
        void frontend;
        // Answered first; then R is stopped and the process exits.
        setImmediate(() => this.leave(0));
        return null;
    }

    /** Stops R and exits (at most a few seconds later, whatever R does). */
    leave(code: number): void {
        if (this.leaving && !this.session) {
            this.options.exit(code);
            return;
        }
        this.leaving = true;
        this.hub.closeAll();
        const done = () => this.options.exit(code);
        setTimeout(done, 4000).unref();
        void (this.session?.dispose() ?? Promise.resolve()).then(done, done);
    }

    get isLeaving(): boolean {
        return this.leaving;
    }

    document(uri: string): TextDocument | undefined {
        for (const f of this.hub.attached) {
            const document = f.documents.get(uri);
            if (document) return document;
        }
        return undefined;
    }
}
