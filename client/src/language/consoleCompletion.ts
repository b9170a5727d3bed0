/**
 * Completion at the console's prompt through the language server: the
 * console's input is one more R document for the server, a virtual one
 * (`rbridge-console:console.R`, never shown in VS Code), kept in sync with
 * textDocument/didOpen and didChange (the whole text each time: it is one
 * line, or a few) and asked for textDocument/completion where the cursor
 * is, as R editors are. The server answers from the live session, so
 * `mtcars$` completes to mtcars' columns exactly as in an editor.
 *
 * A new server (a restart, a crash) knows nothing of the document: it is
 * opened again on the first Tab.
 */
import * as vscode from 'vscode';
import {
    CompletionRequest,
    CompletionTriggerKind,
    DidChangeTextDocumentNotification,
    DidOpenTextDocumentNotification,
    LanguageClient,
} from 'vscode-languageclient/node';
import type { ConsoleCandidate } from '../console/completion';
import { consoleCandidates, positionAt } from './completionItems';

/** The console's input as the server sees it. */
export const CONSOLE_DOCUMENT_URI = 'rbridge-console:console.R';

/** Longer than this (R busy with a long run), a completion is not worth waiting for: Tab gives up (and rings the bell). */
const COMPLETION_TIMEOUT_MS = 10_000;

export class ConsoleCompletion {
    /** The server the document was opened on, and its version there. */
    private openedOn: LanguageClient | undefined;
    private version = 0;

    constructor(private readonly client: () => LanguageClient | undefined) {}

    /** The candidates for Tab (see ConsoleHost.complete); none when no server runs or it offers no completion. */
    async complete(text: string, cursor: number, before: readonly string[]): Promise<ConsoleCandidate[]> {
        const client = this.client();
        if (!client?.isRunning() || !client.initializeResult?.capabilities.completionProvider) return [];
        const document = [...before, text].join('\n');
        const lineOffset = document.length - text.length;
        if (this.openedOn !== client) {
            this.openedOn = client;
            this.version = 1;
            await client.sendNotification(DidOpenTextDocumentNotification.type, {
                textDocument: { uri: CONSOLE_DOCUMENT_URI, languageId: 'r', version: this.version, text: document },
            });
        } else {
            this.version++;
            await client.sendNotification(DidChangeTextDocumentNotification.type, {
                textDocument: { uri: CONSOLE_DOCUMENT_URI, version: this.version },
                // No range: the whole text, which incremental sync allows too.
                contentChanges: [{ text: document }],
            });
        }
        // A Tab that waits this long is forgotten (the request is cancelled, $/cancelRequest).
        const cancel = new vscode.CancellationTokenSource();
        const timer = setTimeout(() => cancel.cancel(), COMPLETION_TIMEOUT_MS);
        try {
            const answer = await client.sendRequest(
                CompletionRequest.type,
                {
                    textDocument: { uri: CONSOLE_DOCUMENT_URI },
                    position: positionAt(document, lineOffset + cursor),
                    context: { triggerKind: CompletionTriggerKind.Invoked },
                },
                cancel.token,
            );
            return consoleCandidates(answer, document, lineOffset, text.length);
        } finally {
            clearTimeout(timer);
            cancel.dispose();
        }
    }
}
