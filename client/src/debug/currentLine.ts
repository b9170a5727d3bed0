/**
 * The line R runs next, highlighted in the editor while R stops in its
 * browser (`Browse[n]> ` in the console), as RStudio and VS Code's debugger
 * show it: the whole line in the theme's stack frame colour, an arrow in the
 * gutter and a mark in the overview ruler. The highlight follows each stop
 * (`n`, `s`, an expression typed at the prompt) and goes when R leaves the
 * browser (BrowserStops.onDidExit).
 *
 * The file is brought into view: scrolled to in an editor that shows it,
 * or opened (in the group that has it in a tab, else in the active group)
 * when none does. The focus stays where it is, normally the console, so
 * that the next command can be typed at once.
 *
 * A debug session of type 'r' (VS Code's debugger, debug/adapter.ts) shows
 * the stop itself, with the same colour: then this class draws nothing.
 */
import * as vscode from 'vscode';
import type { BrowserStop, BrowserStops } from './browserStops';

/** What is highlighted: a 0-based line of a document. */
export interface Highlight {
    uri: string;
    line: number;
}

export class CurrentLine implements vscode.Disposable {
    private readonly decoration: vscode.TextEditorDecorationType;
    /** The line shown, with the range of the expression R runs next (it may span lines). */
    private shown: { uri: vscode.Uri; key: string; range: vscode.Range } | undefined;
    /** Counts stops: a document still opening for an earlier stop is not shown once a later one came. */
    private generation = 0;
    private readonly moved = new vscode.EventEmitter<Highlight | undefined>();
    private readonly subscriptions: vscode.Disposable[] = [];

    /** The highlight moved to a line, or went (undefined): fired once the editor has it. */
    readonly onDidMove = this.moved.event;

    /**
     * @param gutterIcon The arrow drawn in the gutter.
     * @param debugging Whether VS Code's debugger shows the stop itself.
     */
    constructor(
        stops: BrowserStops,
        gutterIcon: vscode.Uri,
        private readonly debugging: () => boolean = () => vscode.debug.activeDebugSession?.type === 'r',
    ) {
        this.decoration = vscode.window.createTextEditorDecorationType({
            isWholeLine: true,
            backgroundColor: new vscode.ThemeColor('editor.stackFrameHighlightBackground'),
            overviewRulerColor: new vscode.ThemeColor('debugIcon.breakpointCurrentStackframeForeground'),
            overviewRulerLane: vscode.OverviewRulerLane.Full,
            gutterIconPath: gutterIcon,
            gutterIconSize: 'contain',
        });
        this.subscriptions.push(
            this.decoration,
            this.moved,
            stops.onDidStop((stop) => void this.stopped(stop)),
            stops.onDidExit(() => this.clear()),
            // An editor opened (or split) on the file meanwhile gets the highlight too.
            vscode.window.onDidChangeVisibleTextEditors(() => this.decorate()),
            // The debugger took over (or stopped): it draws the stop, or this class does again.
            vscode.debug.onDidStartDebugSession(() => {
                if (this.debugging()) this.clear();
            }),
        );
    }

    /** The highlighted line, if any. */
    get current(): Highlight | undefined {
        return this.shown && { uri: this.shown.key, line: this.shown.range.start.line };
    }

    private async stopped(stop: BrowserStop): Promise<void> {
        const generation = ++this.generation;
        if (!stop.uri || !stop.range || this.debugging()) {
            // R has no source for where it stands (code typed at the console, a function without srcref): nothing to point at.
            this.clear();
            return;
        }
        const uri = vscode.Uri.parse(stop.uri);
        const range = new vscode.Range(stop.range.start.line, stop.range.start.character, stop.range.end.line, stop.range.end.character);
        const previous = this.shown;
        this.shown = { uri, key: uri.toString(), range };
        let editors = this.editorsOf(this.shown.key);
        if (editors.length === 0) {
            // Not on screen: opened without taking the focus. Meanwhile the
            // old line (another file) keeps no highlight.
            if (previous) this.decorate();
            const editor = await this.open(uri);
            if (generation !== this.generation || !this.shown) return;
            editors = editor ? [editor] : this.editorsOf(this.shown.key);
        }
        this.decorate();
        for (const editor of editors) editor.revealRange(new vscode.Range(range.start, range.start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        this.moved.fire(this.current);
    }

    /** Shows the document in the group that has it in a tab, else in the active group; the focus stays where it is. */
    private async open(uri: vscode.Uri): Promise<vscode.TextEditor | undefined> {
        const key = uri.toString();
        const group = vscode.window.tabGroups.all.find((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key));
        try {
            const document = await vscode.workspace.openTextDocument(uri);
            return await vscode.window.showTextDocument(document, { preserveFocus: true, viewColumn: group?.viewColumn ?? vscode.ViewColumn.Active });
        } catch {
            // A file that is gone, or a scheme nobody serves: the console still shows where R is.
            return undefined;
        }
    }

    private editorsOf(key: string): vscode.TextEditor[] {
        return vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === key);
    }

    /** Puts the highlight on the editors that show its document, and takes it off the others. */
    private decorate(): void {
        const shown = this.shown;
        for (const editor of vscode.window.visibleTextEditors) {
            const here = shown && editor.document.uri.toString() === shown.key;
            const line = shown?.range.start.line ?? 0;
            editor.setDecorations(this.decoration, here ? [new vscode.Range(line, 0, line, 0)] : []);
        }
    }

    private clear(): void {
        this.generation++;
        if (!this.shown) return;
        this.shown = undefined;
        this.decorate();
        this.moved.fire(undefined);
    }

    dispose(): void {
        for (const s of this.subscriptions) s.dispose();
    }
}
