/**
 * What R said about code run from an editor, as diagnostics on the lines
 * that ran, in one collection ("R"):
 *
 * - every warning and error R signals (r/condition), on the line where the
 *   top-level expression that raised it starts, which the server maps into
 *   the document (`uri`, `range`) when the run came from one;
 * - the error that ended a run (the r/execute answer's `error.uri` and
 *   `error.range`), which may point further in: at the failing `stop()`
 *   inside a function defined in the same code.
 *
 * An error is one diagnostic, whichever of the two told of it first: when
 * the answer arrives, the error condition it repeats is replaced by the
 * answer's more precise location. The same message on the same line is
 * shown once (a warning raised in a loop).
 *
 * Running lines again clears the diagnostics on them first; Restart R and
 * Clear Workspace clear all of them. Editing a document removes the
 * diagnostics on the edited lines and moves those below with their code.
 */
import * as vscode from 'vscode';
import type { ConditionParams, ExecuteResult, Range } from '../../common/protocol';

interface Entry {
    diagnostic: vscode.Diagnostic;
    executionId: string;
    /** From an r/condition of kind error, before the answer replaced it. */
    errorCondition: boolean;
    /** R's condition message, without the "Error in" decoration. */
    conditionMessage: string;
}

/** The diagnostic's text: R's own words, with the call when there is one. */
export function diagnosticText(kind: 'warning' | 'error', message: string, call?: string): string {
    const label = kind === 'error' ? 'Error' : 'Warning';
    return call ? `${label} in ${call}: ${message}` : `${label}: ${message}`;
}

export class RunDiagnostics implements vscode.Disposable {
    private readonly collection = vscode.languages.createDiagnosticCollection('R');
    /** The entries shown, per document (by URI string). */
    private readonly entries = new Map<string, Entry[]>();
    private readonly subscriptions: vscode.Disposable[] = [];

    constructor() {
        this.subscriptions.push(
            this.collection,
            vscode.workspace.onDidChangeTextDocument((e) => this.edited(e)),
        );
    }

    /** Diagnostics currently shown for a document. */
    diagnosticsFor(uri: vscode.Uri): readonly vscode.Diagnostic[] {
        return this.collection.get(uri) ?? [];
    }

    /** Lines of a document are run (again): what was said about them goes. */
    linesRun(uri: vscode.Uri, range: Range): void {
        const list = this.entries.get(uri.toString());
        if (!list) return;
        const first = range.start.line;
        const last = range.end.line;
        this.set(
            uri,
            list.filter((e) => e.diagnostic.range.end.line < first || e.diagnostic.range.start.line > last),
        );
    }

    /** A warning or error, as R signals it. */
    condition(p: ConditionParams): void {
        if (!p.uri || !p.range) return;
        const uri = vscode.Uri.parse(p.uri);
        const severity = p.kind === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
        this.add(uri, {
            diagnostic: makeDiagnostic(toRange(p.range), diagnosticText(p.kind, p.message, p.call), severity),
            executionId: p.executionId,
            errorCondition: p.kind === 'error',
            conditionMessage: p.message,
        });
    }

    /** An execution was answered: its error, when it has a place in a document. */
    executed(result: ExecuteResult): void {
        const error = result.error;
        if (!error?.uri || !error.range || (result.status !== 'error' && result.status !== 'parseError')) return;
        const uri = vscode.Uri.parse(error.uri);
        const key = uri.toString();
        // The error condition this answer repeats (the last one of the run
        // with the same message) gives way to the answer's location.
        const list = [...(this.entries.get(key) ?? [])];
        for (let i = list.length - 1; i >= 0; i--) {
            const e = list[i];
            if (e.errorCondition && e.executionId === result.executionId && e.conditionMessage === error.message) {
                list.splice(i, 1);
                break;
            }
        }
        this.entries.set(key, list);
        this.add(uri, {
            diagnostic: makeDiagnostic(toRange(error.range), diagnosticText('error', error.message, error.call), vscode.DiagnosticSeverity.Error),
            executionId: result.executionId,
            errorCondition: false,
            conditionMessage: error.message,
        });
    }

    /** Everything goes (R restarted, the workspace was cleared). */
    clearAll(): void {
        this.entries.clear();
        this.collection.clear();
    }

    private add(uri: vscode.Uri, entry: Entry): void {
        const list = this.entries.get(uri.toString()) ?? [];
        const d = entry.diagnostic;
        const same = list.some(
            (e) => e.diagnostic.range.start.line === d.range.start.line && e.diagnostic.severity === d.severity && e.diagnostic.message === d.message,
        );
        this.set(uri, same ? list : [...list, entry]);
    }

    private set(uri: vscode.Uri, list: Entry[]): void {
        if (list.length) {
            this.entries.set(uri.toString(), list);
            this.collection.set(uri, list.map((e) => e.diagnostic));
        } else {
            this.entries.delete(uri.toString());
            this.collection.delete(uri);
        }
    }

    /** An edit: the diagnostics on edited lines go, those below move with their code. */
    private edited(e: vscode.TextDocumentChangeEvent): void {
        let list = this.entries.get(e.document.uri.toString());
        if (!list || !e.contentChanges.length) return;
        // Bottom to top: each change's range is in the coordinates of the
        // document before the event, which the changes below it do not move.
        const changes = [...e.contentChanges].sort((a, b) => b.range.start.compareTo(a.range.start));
        for (const change of changes) {
            const first = change.range.start.line;
            const last = change.range.end.line;
            const delta = lineBreaks(change.text) - (last - first);
            list = list
                .filter((entry) => entry.diagnostic.range.end.line < first || entry.diagnostic.range.start.line > last)
                .map((entry) => {
                    if (delta === 0 || entry.diagnostic.range.start.line <= last) return entry;
                    const old = entry.diagnostic;
                    const moved = makeDiagnostic(
                        new vscode.Range(old.range.start.line + delta, old.range.start.character, old.range.end.line + delta, old.range.end.character),
                        old.message,
                        old.severity,
                    );
                    return { ...entry, diagnostic: moved };
                });
        }
        this.set(e.document.uri, list);
    }

    dispose(): void {
        for (const s of this.subscriptions) s.dispose();
    }
}

function makeDiagnostic(range: vscode.Range, message: string, severity: vscode.DiagnosticSeverity): vscode.Diagnostic {
    const diagnostic = new vscode.Diagnostic(range, message, severity);
    diagnostic.source = 'R';
    return diagnostic;
}

function toRange(range: Range): vscode.Range {
    return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

function lineBreaks(text: string): number {
    let count = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
    return count;
}
