/**
 * The console transcript as a read-only document: what the console shows
 * (without colours), in the `r-console` language, served by a
 * TextDocumentContentProvider under a URI scheme of its own. It is never
 * dirty, so closing it asks nothing, and it follows the console: while it is
 * open, new output appears in it (at most a few times a second), and an
 * editor whose cursor was at the end stays at the end. Saving a copy is
 * "File: Save As…".
 */
import * as vscode from 'vscode';

export const TRANSCRIPT_SCHEME = 'rbridge-console';
/** The language of the transcript: its grammar (syntaxes/r-console.tmLanguage.json) colours prompts, code, values, errors and warnings. */
export const TRANSCRIPT_LANGUAGE = 'r-console';
export const TRANSCRIPT_URI = vscode.Uri.from({ scheme: TRANSCRIPT_SCHEME, path: '/R Console Transcript' });

/** How often, at most, an open transcript takes in new output. */
const UPDATE_MS = 250;

export interface TranscriptSource {
    /** The transcript's text; undefined before anything has run. */
    text(): string | undefined;
    /** Calls `listener` whenever text is added to the console. */
    onDidWrite(listener: () => void): { dispose(): void };
}

/** The provider the extension registered (one). */
const providers = new Set<TranscriptDocuments>();

export class TranscriptDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
    private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
    readonly onDidChange = this.changeEmitter.event;
    private readonly subscriptions: vscode.Disposable[] = [];
    private timer: ReturnType<typeof setTimeout> | undefined;
    /** Editors whose cursor was at the end when the text last changed: they are kept there. */
    private following = new Set<vscode.TextEditor>();

    constructor(private readonly source: TranscriptSource) {
        providers.add(this);
        this.subscriptions.push(
            vscode.workspace.registerTextDocumentContentProvider(TRANSCRIPT_SCHEME, this),
            this.changeEmitter,
            toDisposable(source.onDidWrite(() => this.schedule())),
            vscode.workspace.onDidChangeTextDocument((e) => {
                if (isTranscript(e.document) && e.contentChanges.length) this.followed(e.document);
            }),
        );
    }

    provideTextDocumentContent(): string {
        return this.source.text() ?? '';
    }

    /** Whether the transcript is open in VS Code (then it is kept current). */
    private get open(): vscode.TextDocument | undefined {
        return vscode.workspace.textDocuments.find(isTranscript);
    }

    /** Brings an open transcript up to date now; resolves once it is. */
    async update(): Promise<void> {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        const document = this.open;
        if (!document) return;
        const text = this.provideTextDocumentContent();
        if (document.getText() === text) return;
        const updated = new Promise<void>((resolve) => {
            const done = () => {
                clearTimeout(timeout);
                subscription.dispose();
                resolve();
            };
            const subscription = vscode.workspace.onDidChangeTextDocument((e) => {
                if (e.document === document) done();
            });
            // Never wait long: the text is what it is.
            const timeout = setTimeout(done, 2000);
        });
        this.changeEmitter.fire(TRANSCRIPT_URI);
        await updated;
    }

    private schedule(): void {
        if (this.timer || !this.open) return;
        this.timer = setTimeout(() => {
            this.timer = undefined;
            const document = this.open;
            if (!document) return;
            const end = document.lineCount - 1;
            this.following = new Set(
                vscode.window.visibleTextEditors.filter((editor) => editor.document === document && editor.selection.isEmpty && editor.selection.active.line >= end),
            );
            this.changeEmitter.fire(TRANSCRIPT_URI);
        }, UPDATE_MS);
    }

    private followed(document: vscode.TextDocument): void {
        const end = document.lineAt(document.lineCount - 1).range.end;
        for (const editor of this.following) {
            if (editor.document !== document) continue;
            editor.selection = new vscode.Selection(end, end);
            editor.revealRange(new vscode.Range(end, end), vscode.TextEditorRevealType.Default);
        }
        this.following.clear();
    }

    dispose(): void {
        providers.delete(this);
        if (this.timer) clearTimeout(this.timer);
        for (const s of this.subscriptions) s.dispose();
    }
}

function isTranscript(document: vscode.TextDocument): boolean {
    return document.uri.scheme === TRANSCRIPT_SCHEME;
}

function toDisposable(d: { dispose(): void }): vscode.Disposable {
    return new vscode.Disposable(() => d.dispose());
}

/** Opens the transcript document (in the r-console language), up to date; the caller shows it. */
export async function openTranscriptDocument(): Promise<vscode.TextDocument> {
    // Already open: it takes in what the console wrote since its last update.
    for (const provider of providers) await provider.update();
    const document = await vscode.workspace.openTextDocument(TRANSCRIPT_URI);
    if (document.languageId === TRANSCRIPT_LANGUAGE) return document;
    return vscode.languages.setTextDocumentLanguage(document, TRANSCRIPT_LANGUAGE);
}
