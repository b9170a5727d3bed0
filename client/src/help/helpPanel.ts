/**
 * The Help panel: R's help pages in one webview panel beside the editor,
 * reused for every page. It opens when R code asks for help (`?lm`,
 * `help(lm)`: r/showHelp, r/showHelpMatches), on "R: Help on Word Under
 * Cursor" (F1 in R files) and "R: Search Help", and keeps a history for
 * back and forward. Links between pages, the search box and the lists of
 * matches ask R for pages (r/help); "Run example" runs an example block in
 * the R console.
 *
 * The history lives here, not in the page: a page hidden behind another
 * tab is rebuilt when shown again (no retained context), says `ready`, and
 * gets its entry again, scroll position included.
 */
import * as vscode from 'vscode';
import { RBusyError } from '../../../common/protocol';
import type { HelpMatch, HelpPage, HelpParams, HelpResult } from '../../../common/protocol';
import { HelpTarget, parseHelpQuery } from './helpTopic';
import type { FromHelp, HelpShown, HelpView, ToHelp } from './protocol';
import { createPanel, webviewHtml } from '../webviewPage';

export const HELP_VIEW_TYPE = 'rbridge.help';
/** Entries kept for back and forward. */
const HISTORY_LIMIT = 100;

export interface HelpHost {
    /** r/help, after making sure R runs (asking for help is an explicit command). */
    help(params: HelpParams, token: vscode.CancellationToken): Promise<HelpResult>;
    /** Resolves when R runs no code and none waits (r/help answers RBusyError meanwhile). */
    whenIdle(token: vscode.CancellationToken): Promise<void>;
    /** Runs an example's code in the R console, as code run from an editor is. */
    runExample(code: string): unknown;
    log: vscode.LogOutputChannel;
}

interface Entry {
    id: number;
    view: HelpView;
    scrollY: number;
}

export class HelpPanel implements vscode.Disposable {
    private panel: vscode.WebviewPanel | undefined;
    private history: Entry[] = [];
    private index = -1;
    private nextId = 1;
    private lookup: vscode.CancellationTokenSource | undefined;
    private busyText: string | undefined;
    private searchOnReady: { text?: string } | undefined;
    private shownValue: (HelpShown & { id: number }) | undefined;
    private readonly changeEmitter = new vscode.EventEmitter<void>();
    private readonly shownEmitter = new vscode.EventEmitter<HelpShown>();

    /** The panel opened or closed, or its entry changed. */
    readonly onDidChange = this.changeEmitter.event;
    /** The page put an entry on screen. */
    readonly onDidShow = this.shownEmitter.event;

    constructor(
        private readonly extensionUri: vscode.Uri,
        private readonly host: HelpHost,
    ) {}

    get isOpen(): boolean {
        return this.panel !== undefined;
    }

    /** The entry the panel shows (or would show, once open). */
    get current(): HelpView | undefined {
        return this.history[this.index]?.view;
    }

    /** What the page last reported on screen, if it is the current entry. */
    get shown(): HelpShown | undefined {
        const entry = this.history[this.index];
        if (!this.shownValue || !entry || this.shownValue.id !== entry.id) return undefined;
        const { id: _id, ...shown } = this.shownValue;
        return shown;
    }

    get canGoBack(): boolean {
        return this.index > 0;
    }

    get canGoForward(): boolean {
        return this.index < this.history.length - 1;
    }

    // -----------------------------------------------------------------------
    // What R sends by itself

    /** r/showHelp: R code asked for a page. The panel shows it without taking the focus. */
    showPage(page: HelpPage): void {
        this.cancelLookup();
        this.push({ kind: 'page', topic: page.topic, package: page.package, title: page.title, html: page.html });
    }

    /** r/showHelpMatches: R code asked for help that several pages answer. */
    showMatches(query: string, matches: HelpMatch[]): void {
        this.cancelLookup();
        this.push(matchesView(query, matches, 'search'));
    }

    // -----------------------------------------------------------------------
    // Lookups: asked of R

    /**
     * Opens the page of a topic (F1, a link, the search box): one page, a
     * list when the topic is documented in several packages, or a sentence
     * saying there is none (with a word search to offer). Resolves with the
     * entry shown, or undefined when the lookup failed or was overtaken by
     * another.
     */
    async openTopic(target: HelpTarget): Promise<HelpView | undefined> {
        const label = target.package ? `${target.package}::${target.topic}` : target.topic;
        const params: HelpParams = target.package ? { topic: target.topic, package: target.package } : { topic: target.topic };
        let result = await this.ask(params, `Opening the help page of ${label}…`);
        if (!result) return undefined;
        if (!isPage(result) && result.matches.length === 1) {
            // One page after all (found by alias, say): show it rather than a list of one.
            const only = result.matches[0];
            result = await this.ask({ topic: only.topic, package: only.package }, `Opening the help page of ${only.package}::${only.topic}…`);
            if (!result) return undefined;
        }
        if (isPage(result)) return this.push({ kind: 'page', topic: result.topic, package: result.package, title: result.title, html: result.html });
        if (result.matches.length === 0) {
            return this.push({
                kind: 'message',
                text: `No help page for ‘${label}’ in the installed packages${target.package ? '' : ' that R has loaded or can find'}.`,
                searchWords: target.topic,
            });
        }
        return this.push(matchesView(label, result.matches, 'topic'));
    }

    /** The topics of a package (its link on a page: `rhelp:?package=…`). */
    async openPackage(pkg: string): Promise<HelpView | undefined> {
        const result = await this.ask({ package: pkg }, `Listing the help pages of ${pkg}…`);
        if (!result) return undefined;
        if (isPage(result)) return this.push({ kind: 'page', topic: result.topic, package: result.package, title: result.title, html: result.html });
        if (result.matches.length === 0) return this.push({ kind: 'message', text: `No help pages for the package ‘${pkg}’: it is not installed.` });
        return this.push({ kind: 'matches', query: pkg, heading: `The help pages of ${pkg}`, matches: result.matches });
    }

    /** Searches the words of the help pages (`??words`, help.search()). */
    async searchWords(query: string): Promise<HelpView | undefined> {
        const result = await this.ask({ query }, `Searching the help pages for ‘${query}’…`);
        if (!result) return undefined;
        if (isPage(result)) return this.push({ kind: 'page', topic: result.topic, package: result.package, title: result.title, html: result.html });
        if (result.matches.length === 0) return this.push({ kind: 'message', text: `No help page mentions ‘${query}’.` });
        return this.push(matchesView(query, result.matches, 'search'));
    }

    /** What was typed in the search box or given to "R: Search Help". */
    search(text: string, words = false): Promise<HelpView | undefined> {
        const parsed = parseHelpQuery(text, words);
        if (!parsed) return Promise.resolve(undefined);
        return parsed.kind === 'words' ? this.searchWords(parsed.query) : this.openTopic(parsed.target);
    }

    back(): void {
        if (!this.canGoBack) return;
        this.cancelLookup();
        this.index--;
        this.render();
    }

    forward(): void {
        if (!this.canGoForward) return;
        this.cancelLookup();
        this.index++;
        this.render();
    }

    /** Shows the panel (creating it, with the current entry) and puts the focus in its search box. */
    focusSearch(text?: string): void {
        const opening = !this.panel;
        this.ensurePanel(false);
        this.post({ type: 'focusSearch', text });
        // A page that was only now created may not have heard it: its `ready` does.
        if (opening) this.searchOnReady = { text };
    }

    /** For tests: the page clicks a link, a Run example button or a match, as a person would. */
    click(message: Extract<ToHelp, { type: 'click' }>): void {
        this.post(message);
    }

    /**
     * Asks R, with the panel open and saying what it waits for; a newer
     * lookup (or back, forward, a page R sends) cancels this one. A failure
     * is said in the page and the log.
     */
    private async ask(params: HelpParams, busyText: string): Promise<HelpResult | undefined> {
        this.cancelLookup();
        const lookup = new vscode.CancellationTokenSource();
        this.lookup = lookup;
        this.ensurePanel(true);
        this.setBusy(busyText);
        try {
            for (;;) {
                try {
                    const result = await this.host.help(params, lookup.token);
                    return lookup.token.isCancellationRequested ? undefined : result;
                } catch (e) {
                    if (lookup.token.isCancellationRequested || errorCode(e) !== RBusyError) throw e;
                }
                // R runs code: the page comes when it is done, as the server says.
                this.setBusy(`${busyText.replace(/…$/, '')}: R is busy running code; the page opens when it is done.`);
                await this.host.whenIdle(lookup.token);
                if (lookup.token.isCancellationRequested) return undefined;
                this.setBusy(busyText);
            }
        } catch (e) {
            if (lookup.token.isCancellationRequested) return undefined;
            const message = e instanceof Error ? e.message : String(e);
            this.host.log.warn(`r/help ${JSON.stringify(params)} failed: ${message}`);
            this.post({ type: 'error', text: `R could not answer: ${message}` });
            return undefined;
        } finally {
            if (this.lookup === lookup) {
                this.lookup = undefined;
                this.setBusy(undefined);
            }
            lookup.dispose();
        }
    }

    private cancelLookup(): void {
        if (!this.lookup) return;
        this.lookup.cancel();
        this.lookup = undefined;
        this.setBusy(undefined);
    }

    private setBusy(text: string | undefined): void {
        this.busyText = text;
        this.post({ type: 'busy', text });
    }

    // -----------------------------------------------------------------------
    // The history and the panel

    private push(view: HelpView): HelpView {
        this.history.splice(this.index + 1);
        this.history.push({ id: this.nextId++, view, scrollY: 0 });
        if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
        this.index = this.history.length - 1;
        this.ensurePanel(true);
        this.render();
        return view;
    }

    private render(): void {
        const entry = this.history[this.index];
        if (this.panel && entry) {
            this.panel.title = panelTitle(entry.view);
            this.post({ type: 'show', id: entry.id, view: entry.view, canBack: this.canGoBack, canForward: this.canGoForward, scrollY: entry.scrollY });
        }
        this.changeEmitter.fire();
    }

    /** Opens the panel beside the editor (or shows it where it is), without taking the focus unless asked to. */
    private ensurePanel(preserveFocus: boolean): void {
        if (this.panel) {
            if (!this.panel.visible || !preserveFocus) this.panel.reveal(undefined, preserveFocus);
            return;
        }
        // Rebuilt when shown again (no retained context): the history is kept here, and the page asks for its entry.
        const panel = createPanel(
            this.extensionUri,
            HELP_VIEW_TYPE,
            'R Help',
            { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
            (webview) => webviewHtml(webview, this.extensionUri, { title: 'R Help', folder: 'help', stylesheet: 'help.css', script: 'help.js', body: HELP_BODY }),
            // Ctrl+F finds text in the page.
            { enableFindWidget: true },
        );
        this.panel = panel;
        panel.webview.onDidReceiveMessage((m: FromHelp) => this.receive(m));
        panel.onDidDispose(() => {
            if (this.panel !== panel) return;
            this.panel = undefined;
            this.shownValue = undefined;
            this.searchOnReady = undefined;
            this.cancelLookup();
            this.changeEmitter.fire();
        });
        this.changeEmitter.fire();
    }

    private post(message: ToHelp): void {
        // Always posted: a page that is still loading or is rebuilt after being
        // hidden may miss it, and its `ready` brings it what it needs. (Holding
        // messages back until `ready`, and again after each hide, lost them
        // for good when VS Code reported the panel hidden for a moment
        // without rebuilding the page.)
        if (this.panel) void this.panel.webview.postMessage(message);
    }

    private receive(message: FromHelp): void {
        switch (message.type) {
            case 'ready':
                this.render();
                if (this.busyText) this.post({ type: 'busy', text: this.busyText });
                if (this.searchOnReady) this.post({ type: 'focusSearch', text: this.searchOnReady.text });
                this.searchOnReady = undefined;
                return;
            case 'open':
                if (message.topic) void this.openTopic({ topic: message.topic, package: message.package });
                else if (message.package) void this.openPackage(message.package);
                return;
            case 'back':
                this.back();
                return;
            case 'forward':
                this.forward();
                return;
            case 'search':
                void this.search(message.text, message.words);
                return;
            case 'runExample':
                this.host.runExample(message.code);
                return;
            case 'external':
                if (/^(https?|mailto):/i.test(message.url)) void vscode.env.openExternal(vscode.Uri.parse(message.url));
                return;
            case 'scrolled': {
                const entry = this.history.find((e) => e.id === message.id);
                if (entry) entry.scrollY = message.y;
                return;
            }
            case 'shown':
                this.shownValue = { ...message.shown, id: message.id };
                if (this.history[this.index]?.id === message.id) this.shownEmitter.fire(message.shown);
                return;
        }
    }

    dispose(): void {
        this.cancelLookup();
        this.panel?.dispose();
        this.changeEmitter.dispose();
        this.shownEmitter.dispose();
    }
}

function errorCode(e: unknown): number | undefined {
    const code = (e as { code?: unknown } | null)?.code;
    return typeof code === 'number' ? code : undefined;
}

function isPage(result: HelpResult): result is HelpPage {
    return 'html' in result;
}

function matchesView(query: string, matches: HelpMatch[], why: 'topic' | 'search'): HelpView {
    const heading =
        why === 'topic'
            ? `Help pages for ‘${query}’ in ${matches.length} packages`
            : `${matches.length} help ${matches.length === 1 ? 'page mentions' : 'pages mention'} ‘${query}’`;
    return { kind: 'matches', query, heading, matches };
}

function panelTitle(view: HelpView): string {
    switch (view.kind) {
        case 'page':
            return `R Help: ${view.topic}`;
        case 'matches':
            return `R Help: ${view.query}`;
        case 'message':
            return 'R Help';
    }
}

/**
 * The page's markup (client/src/webviewPage.ts builds the page around it:
 * its Content-Security-Policy, style sheets and script). The help page's
 * HTML is put in by the script, after sanitizing.
 */
const HELP_BODY = `<header class="toolbar">
  <button class="icon codicon codicon-arrow-left" id="back" title="Back (Alt+Left)" aria-label="Back" disabled></button>
  <button class="icon codicon codicon-arrow-right" id="forward" title="Forward (Alt+Right)" aria-label="Forward" disabled></button>
  <form class="search" id="searchForm" role="search">
    <input id="search" class="input" type="search" spellcheck="false" autocomplete="off"
      placeholder="Topic (lm, stats::lm) or ??words"
      title="Enter: the help page of a topic. Shift+Enter: search the help pages for words."
      aria-label="Help topic, or words to search the help pages for">
    <button class="icon codicon codicon-book" id="openTopic" type="submit" title="Open the help page of this topic (Enter)" aria-label="Open the help page of this topic"></button>
    <button class="icon codicon codicon-search" id="searchWords" type="button" title="Search the help pages for these words (Shift+Enter)" aria-label="Search the help pages for these words"></button>
  </form>
  <span class="where" id="where"></span>
</header>
<div class="progress" id="progress" hidden><div class="runner"></div></div>
<div class="notice" id="notice" role="status" aria-live="polite" hidden></div>
<main class="content" id="content" tabindex="-1">
  <p class="empty">Help pages open here: press F1 on a name in an R file, run <code>?topic</code>, or type a topic above.</p>
</main>`;
