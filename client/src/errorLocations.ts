/**
 * Where code from an editor failed: the server maps the failing line into
 * the document (error.uri and error.range of the r/execute answer). "R: Go
 * to Error" jumps to the last one, and the console shows "at file.R:12"
 * after R's message, a link that opens the line. (The line's error mark is
 * a diagnostic of diagnostics.ts.)
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExecuteResult } from '../../common/protocol';
import { diagnosticText } from './diagnostics';

export interface ErrorLocation {
    uri: vscode.Uri;
    range: vscode.Range;
    message: string;
}

/** The console's link text for a location: "at analysis.R:12". */
const LINK_PATTERN = /\bat (\S(?:.*\S)?):(\d+)\s*$/;
/** Locations kept for console links. */
const MAX_LINKS = 200;

interface LocationLink extends vscode.TerminalLink {
    location: ErrorLocation;
}

export class ErrorLocations implements vscode.Disposable, vscode.TerminalLinkProvider<LocationLink> {
    private lastLocation: ErrorLocation | undefined;
    /** Link text ("analysis.R:12") to location, newest last. */
    private readonly links = new Map<string, ErrorLocation>();
    private readonly subscriptions: vscode.Disposable[] = [];

    constructor(private readonly isConsole: (terminal: vscode.Terminal) => boolean) {
        this.subscriptions.push(vscode.window.registerTerminalLinkProvider(this));
    }

    get last(): ErrorLocation | undefined {
        return this.lastLocation;
    }

    /**
     * Records a failed execution that has a location; returns the text for
     * the console ("at analysis.R:12"), or undefined when there is none.
     */
    record(result: ExecuteResult): string | undefined {
        const error = result.error;
        if (!error?.uri || !error.range || (result.status !== 'error' && result.status !== 'parseError')) return undefined;
        const uri = vscode.Uri.parse(error.uri);
        const range = new vscode.Range(error.range.start.line, error.range.start.character, error.range.end.line, error.range.end.character);
        const location: ErrorLocation = { uri, range, message: diagnosticText('error', error.message, error.call) };
        this.lastLocation = location;

        const label = `${displayName(uri)}:${range.start.line + 1}`;
        this.links.delete(label);
        this.links.set(label, location);
        if (this.links.size > MAX_LINKS) this.links.delete(this.links.keys().next().value!);
        return `at ${label}`;
    }

    /** Opens the document of the last error at its line. */
    async goToLast(): Promise<boolean> {
        if (!this.lastLocation) return false;
        await reveal(this.lastLocation);
        return true;
    }

    provideTerminalLinks(context: vscode.TerminalLinkContext): LocationLink[] {
        if (!this.isConsole(context.terminal)) return [];
        const match = LINK_PATTERN.exec(context.line);
        if (!match) return [];
        const label = `${match[1]}:${match[2]}`;
        const location = this.links.get(label);
        if (!location) return [];
        const startIndex = match.index + 3;
        return [{ startIndex, length: label.length, tooltip: 'Go to the error', location }];
    }

    async handleTerminalLink(link: LocationLink): Promise<void> {
        await reveal(link.location);
    }

    dispose(): void {
        for (const s of this.subscriptions) s.dispose();
    }
}

async function reveal(location: ErrorLocation): Promise<void> {
    const document = await vscode.workspace.openTextDocument(location.uri);
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    editor.selection = new vscode.Selection(location.range.start, location.range.end);
    editor.revealRange(location.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** A short name for a document: its path in the workspace, or its file name. */
function displayName(uri: vscode.Uri): string {
    if (uri.scheme === 'file') {
        const relative = vscode.workspace.asRelativePath(uri, false);
        return relative === uri.fsPath ? path.basename(uri.fsPath) : relative;
    }
    return path.posix.basename(uri.path);
}
