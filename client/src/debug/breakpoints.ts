/**
 * The breakpoints R knows, kept in one place. R's breakpoints belong to R,
 * not to a debug session: set in the gutter of an R file, they stop code
 * run from that file however it is run (Run File, Ctrl+Enter on a function
 * definition, source(), Debug File). So this store sends them to the server
 * from two sources:
 *
 * - a debug session of type 'r' (the adapter's setBreakpoints requests),
 *   while one runs: it is VS Code's word on them then (it also knows when
 *   breakpoints are deactivated as a whole);
 * - VS Code's breakpoints (vscode.debug.breakpoints) otherwise, mirrored as
 *   they change, and again whenever a new R is ready (a new kernel starts
 *   without them).
 *
 * Both send each document's whole list; a list the server already has is
 * not sent again (VS Code tells the extension and the adapter of the same
 * click), so the server's breakpoint ids stay those the adapter was given.
 */
import * as vscode from 'vscode';
import type { Breakpoint, BreakpointsChangedParams, SetBreakpointsParams, SetBreakpointsResult, SourceBreakpoint } from '../../../common/protocol';
import type { SessionState } from '../session';

/** What the store needs of the session. */
export interface BreakpointSession {
    readonly isReady: boolean;
    setBreakpoints(params: SetBreakpointsParams): Promise<SetBreakpointsResult>;
    readonly onDidChangeBreakpoints: vscode.Event<BreakpointsChangedParams>;
    readonly onDidChangeState: vscode.Event<SessionState>;
}

/** A document's breakpoints: as asked (sorted by line), and as the server answered, index for index. */
export interface DocumentBreakpoints {
    readonly uri: string;
    readonly requested: readonly SourceBreakpoint[];
    /** The list as one string: two requests with the same key ask the same. */
    readonly key: string;
    result: Breakpoint[];
    /** The server has this list (else it is sent when R is ready). */
    applied: boolean;
}

/** Said of a breakpoint the server has not seen yet. */
export const NOT_RUNNING_MESSAGE = 'R is not running: the breakpoint takes effect when R starts.';

export class RBreakpoints implements vscode.Disposable {
    private readonly documents = new Map<string, DocumentBreakpoints>();
    private readonly sending = new Set<Promise<unknown>>();
    private readonly changed = new vscode.EventEmitter<DocumentBreakpoints>();
    private readonly subscriptions: vscode.Disposable[] = [];
    /** Debug sessions that own the breakpoints now (the mirror of VS Code's waits meanwhile). */
    private owners = 0;
    private wasReady: boolean;

    /** The server's answer for a document changed (verified later, or a new R has them). */
    readonly onDidChange = this.changed.event;

    constructor(
        private readonly session: BreakpointSession,
        private readonly log: vscode.LogOutputChannel,
    ) {
        this.wasReady = session.isReady;
        this.subscriptions.push(
            session.onDidChangeBreakpoints((p) => this.serverChanged(p)),
            session.onDidChangeState(() => {
                const ready = session.isReady;
                // A new R (or a new server) has no breakpoints: every document's list goes again.
                if (ready && !this.wasReady) void this.applyAll();
                this.wasReady = ready;
            }),
            vscode.debug.onDidChangeBreakpoints(() => {
                if (this.owners === 0) void this.mirror();
            }),
        );
        if (session.isReady) void this.mirror();
    }

    /**
     * Sets a document's breakpoints (all of them: those not listed go);
     * resolves with the server's answer, in the order of `breakpoints`
     * sorted by line. Never rejects: without R, or when the server fails,
     * the breakpoints are unverified and say why.
     */
    set(uri: string, breakpoints: readonly SourceBreakpoint[]): Promise<DocumentBreakpoints> {
        const requested = [...breakpoints]
            .sort((a, b) => a.line - b.line)
            .map((b) => (b.condition?.trim() ? { line: b.line, condition: b.condition.trim() } : { line: b.line }));
        const key = JSON.stringify(requested);
        const known = this.documents.get(uri);
        if (known && known.key === key && known.applied) return Promise.resolve(known);
        const entry: DocumentBreakpoints = { uri, requested, key, result: unverified(requested, NOT_RUNNING_MESSAGE), applied: false };
        this.documents.set(uri, entry);
        if (!this.session.isReady) return Promise.resolve(entry);
        return this.apply(entry);
    }

    /** A document's breakpoints as last set. */
    get(uri: string): DocumentBreakpoints | undefined {
        return this.documents.get(uri);
    }

    /** The breakpoint with this server id: its document and its place in the list. */
    find(id: number): { entry: DocumentBreakpoints; index: number } | undefined {
        for (const entry of this.documents.values()) {
            const index = entry.result.findIndex((b) => b.id === id);
            if (index >= 0) return { entry, index };
        }
        return undefined;
    }

    /** Resolves when every list sent so far has been answered. */
    async whenApplied(): Promise<void> {
        while (this.sending.size > 0) await Promise.all([...this.sending]);
    }

    /**
     * A debug session takes the breakpoints over until the returned
     * disposable is disposed; VS Code's breakpoints are mirrored again then
     * (the session may have set other lists, e.g. none while deactivated).
     */
    own(): vscode.Disposable {
        this.owners++;
        let released = false;
        return new vscode.Disposable(() => {
            if (released) return;
            released = true;
            this.owners--;
            if (this.owners === 0) void this.mirror();
        });
    }

    /** Sends VS Code's R breakpoints, each document's enabled ones; documents that have none left get an empty list. */
    async mirror(): Promise<void> {
        const lists = new Map<string, SourceBreakpoint[]>();
        for (const breakpoint of vscode.debug.breakpoints) {
            if (!(breakpoint instanceof vscode.SourceBreakpoint) || !breakpoint.enabled) continue;
            const uri = breakpoint.location.uri;
            if (!isRDocument(uri)) continue;
            const key = uri.toString();
            const list = lists.get(key) ?? [];
            list.push({ line: breakpoint.location.range.start.line, ...(breakpoint.condition ? { condition: breakpoint.condition } : {}) });
            lists.set(key, list);
        }
        for (const uri of this.documents.keys()) if (!lists.has(uri)) lists.set(uri, []);
        await Promise.all([...lists].map(([uri, list]) => this.set(uri, list)));
    }

    private async applyAll(): Promise<void> {
        for (const entry of this.documents.values()) entry.applied = false;
        if (this.owners === 0) await this.mirror();
        else await Promise.all([...this.documents.values()].map((e) => this.apply(e)));
    }

    private apply(entry: DocumentBreakpoints): Promise<DocumentBreakpoints> {
        const params: SetBreakpointsParams = { uri: entry.uri, breakpoints: [...entry.requested] };
        // The lines R is to match are those on screen, saved or not.
        const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === entry.uri);
        if (open?.isDirty) params.text = open.getText();
        const sent = this.session.setBreakpoints(params).then(
            (result) => {
                if (this.documents.get(entry.uri) !== entry) return entry;
                entry.result = result.breakpoints;
                entry.applied = true;
                this.changed.fire(entry);
                return entry;
            },
            (error: unknown) => {
                const message = error instanceof Error ? error.message : String(error);
                this.log.warn(`r/setBreakpoints ${entry.uri}: ${message}`);
                entry.result = unverified(entry.requested, `R did not take the breakpoint: ${message}`);
                return entry;
            },
        );
        this.sending.add(sent);
        void sent.finally(() => this.sending.delete(sent));
        return sent;
    }

    /** r/breakpointsChanged: the server's word on some breakpoints of a document (by id). */
    private serverChanged(p: BreakpointsChangedParams): void {
        const entry = this.documents.get(p.uri);
        if (!entry) return;
        let changed = false;
        for (const breakpoint of p.breakpoints) {
            const index = entry.result.findIndex((b) => b.id === breakpoint.id);
            if (index < 0) continue;
            entry.result[index] = breakpoint;
            changed = true;
        }
        if (changed) this.changed.fire(entry);
    }

    dispose(): void {
        for (const s of this.subscriptions) s.dispose();
        this.changed.dispose();
    }
}

function unverified(requested: readonly SourceBreakpoint[], message: string): Breakpoint[] {
    // Id 0: none from the server (its ids start at 1).
    return requested.map((b) => ({ id: 0, line: b.line, verified: false, message }));
}

/** Whether a breakpoint's document is R code: an open R editor's document, or a file named *.R. */
export function isRDocument(uri: vscode.Uri): boolean {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open.languageId === 'r';
    return /\.r$/i.test(uri.path);
}
