/**
 * The Plots view: the plots R draws, in a webview panel beside the editor.
 *
 * The extension keeps the history (r/plot adds to it, r/plotsChanged takes
 * from it) and the last picture of each plot; the panel's page
 * (client/webview/plots/plotsView.ts) only shows what it is sent and says
 * what the user did. The page measures its plot area, and the server hears
 * that size (r/plotSettings) once the size has stayed put for a moment: new
 * plots then come already drawn at the view's size, in r/plot's `image`.
 * After a resize the page shows the old picture scaled (CSS object-fit)
 * until the one drawn at the new size (r/renderPlot) arrives. The size is
 * remembered between sessions, so that the very first plot, which opens
 * the view, comes at about the right size too.
 *
 * On screen a plot is always a PNG: a scatter plot of 200,000 points is
 * one picture for the page, not 200,000 SVG elements. SVG and PDF are for
 * saving.
 */
import * as vscode from 'vscode';
import {
    KernelNotRunningError,
    PlotFormat,
    PlotImage,
    PlotInfo,
    PlotParams,
    PlotsChangedParams,
} from '../../../common/protocol';
import { Notifier } from '../notifier';
import { RSession, SessionState, errorCode, errorMessage } from '../session';
import { Settings } from '../settings';
import { Banner, FromPlotsView, PlotAction, PlotEntry, ToPlotsView, ViewSize } from './protocol';
import { MAX_PLOT_SIDE, canReveal, formatOfFile, parsePlotSize, plotSource, pngSizeOfBase64 } from './plotText';
import { createPanel, webviewHtml } from '../webviewPage';
import { ZoomPanel, dataUri } from './zoomPanel';

export const PLOTS_VIEW_TYPE = 'rbridge.plots';
/** Where the view's last size is remembered (global state). */
const SIZE_KEY = 'rbridge.plots.viewSize';
/** A resize (a drag of the panel's edge is many) is told to R once it has paused this long. */
export const RESIZE_DEBOUNCE_MS = 250;
/** The size assumed before the view has ever measured itself. */
const DEFAULT_SIZE: ViewSize = { width: 640, height: 480, pixelRatio: 1 };
/** Pictures kept in memory (the newest used); older ones are drawn again when wanted. */
const KEPT_IMAGES = 40;
/** How long a copy to the clipboard may take before it counts as failed. */
const COPY_TIMEOUT_MS = 10_000;
/** JSON-RPC: the params name something that does not exist (here: a plot no longer in the history). */
const INVALID_PARAMS = -32602;

export const RESTART_TEXT = 'R was restarted: earlier plots are gone.';
export const STOPPED_TEXT = 'R stopped: earlier plots are gone.';

/** What the view last put on screen, as the page reported it. */
export interface ShownImage {
    plotId: string;
    /** The CSS size it was drawn for, and the pixel ratio. */
    width: number;
    height: number;
    pixelRatio: number;
    /** The PNG's own size, from its header. */
    pixelWidth: number;
    pixelHeight: number;
    /** What the page decoded, and the CSS size it takes on screen. */
    naturalWidth: number;
    naturalHeight: number;
    shownWidth: number;
    shownHeight: number;
}

/** The arguments of `rbridge.plots.save` (all optional: without them the user is asked). */
export interface SaveOptions {
    /** The file to write; its extension picks the format unless `format` is given. */
    uri?: vscode.Uri | string;
    format?: PlotFormat;
    width?: number;
    height?: number;
    /** Default: the current plot. */
    plotId?: string;
}

export class PlotsView implements vscode.Disposable {
    private plots: PlotInfo[] = [];
    private currentIndex = -1;
    /** The newest picture of each plot, the most recently used last. */
    private readonly images = new Map<string, PlotImage>();
    private banner: Banner | undefined;
    private panel: vscode.WebviewPanel | undefined;
    private size: ViewSize;
    private sizeTimer: ReturnType<typeof setTimeout> | undefined;
    private rendering: { key: string; token: vscode.CancellationTokenSource } | undefined;
    private renderError: string | undefined;
    private thumbnailChain: Promise<unknown> = Promise.resolve();
    private readonly thumbnailsWanted = new Set<string>();
    private copyWaiters: ((result: { ok: boolean; error?: string }) => void)[] = [];
    private shownValue: ShownImage | undefined;
    private readonly zooms = new Set<ZoomPanel>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private hasPlotsContext: boolean | undefined;
    /** The background the pictures kept were drawn with. */
    private background: string;
    /** Whether the panel's page has loaded (said 'ready') since the panel was made. */
    private pageReady = false;

    private readonly changedEmitter = new vscode.EventEmitter<void>();
    private readonly shownEmitter = new vscode.EventEmitter<ShownImage>();
    /** The history, the current plot, the banner or the panel changed. */
    readonly onDidChange = this.changedEmitter.event;
    /** A picture is on screen in the view (the page decoded it). */
    readonly onDidShowImage = this.shownEmitter.event;

    constructor(
        private readonly extensionUri: vscode.Uri,
        private readonly session: RSession,
        private readonly settings: Settings,
        private readonly notifier: Notifier,
        private readonly log: vscode.LogOutputChannel,
        private readonly memento: vscode.Memento,
    ) {
        this.size = validSize(memento.get(SIZE_KEY)) ?? DEFAULT_SIZE;
        this.background = settings.plots.background;
        // Before the first plot: so that it comes drawn, at the size the view had last time.
        this.sendSettings();
        this.subscriptions.push(
            session.onPlot((p) => this.onPlot(p)),
            session.onPlotsChanged((p) => this.onPlotsChanged(p)),
            session.onDidChangeState((s) => this.onState(s)),
            settings.onDidChangePlots(() => {
                if (settings.plots.background === this.background) return;
                // A new background: every picture kept is of the old one.
                this.background = settings.plots.background;
                this.images.clear();
                this.sendSettings();
                this.update();
            }),
            this.changedEmitter,
            this.shownEmitter,
        );
        this.setContext();
    }

    // -----------------------------------------------------------------------
    // What tests and commands read

    /** The history, oldest first. */
    get list(): readonly PlotInfo[] {
        return this.plots;
    }

    get current(): PlotInfo | undefined {
        return this.plots[this.currentIndex];
    }

    get index(): number {
        return this.currentIndex;
    }

    /** The plot area's size as last measured (or remembered). */
    get viewSize(): ViewSize {
        return this.size;
    }

    get shown(): ShownImage | undefined {
        return this.shownValue;
    }

    get bannerText(): string | undefined {
        return this.banner?.text;
    }

    get isOpen(): boolean {
        return this.panel !== undefined;
    }

    get zoomPanels(): readonly ZoomPanel[] {
        return [...this.zooms];
    }

    // -----------------------------------------------------------------------
    // The server's notifications and the session's state

    private onPlot(p: PlotParams): void {
        const { image, kind: _kind, ...info } = p;
        let index = this.plots.findIndex((plot) => plot.plotId === p.plotId);
        if (index >= 0) this.plots[index] = info;
        else index = this.plots.push(info) - 1;
        // A new plot, or drawing added to one, is what the user wants to see.
        this.currentIndex = index;
        if (image) this.keepImage(p.plotId, image);
        else this.images.delete(p.plotId);
        this.banner = undefined;
        // Opened, or brought forward when another tab hides it, without taking the focus from the editor.
        if (this.settings.plots.openOn === 'newPlot' && !this.panel?.visible) this.open(true);
        this.update();
    }

    private onPlotsChanged(p: PlotsChangedParams): void {
        const removedAny = this.drop(new Set(p.removed));
        // (The old R's end may have been told first, as a kernel that stopped: a restart it was.)
        if (p.reason === 'restart' && (removedAny || this.banner?.text === STOPPED_TEXT)) this.banner = { severity: 'info', text: RESTART_TEXT };
        if (p.reason === 'device') {
            this.banner = { severity: 'warning', text: p.message ?? 'Plots no longer reach the Plots view: another graphics device is in use.' };
        }
        this.update();
    }

    /** R went away (restarted, died, stopped, or the server with it): so did its plots. */
    private onState(state: SessionState): void {
        if (state.kind === 'restarting' && this.banner?.text === STOPPED_TEXT) {
            // The server tells of a restart as the old R's death, then the new R's start.
            this.banner = { severity: 'info', text: RESTART_TEXT };
            this.update();
            return;
        }
        if (!['stopped', 'restarting', 'dead'].includes(state.kind) || this.plots.length === 0) return;
        const restarting = state.kind === 'restarting' || (state.kind === 'dead' && state.restartInMs !== undefined && !state.restartAbandoned);
        this.drop(new Set(this.plots.map((p) => p.plotId)));
        this.banner = { severity: 'info', text: restarting ? RESTART_TEXT : STOPPED_TEXT };
        this.update();
    }

    /** Takes plots out of the history; the current one becomes its newer neighbour (or the newest). Returns whether any went. */
    private drop(ids: Set<string>): boolean {
        if (ids.size === 0) return false;
        const before = this.plots;
        const currentId = this.current?.plotId;
        this.plots = before.filter((p) => !ids.has(p.plotId));
        if (this.plots.length === 0) this.currentIndex = -1;
        else if (currentId !== undefined && !ids.has(currentId)) this.currentIndex = this.plots.findIndex((p) => p.plotId === currentId);
        else {
            // The plot that takes the removed one's place: the next newer one kept, else the newest.
            const keptBefore = before.slice(0, Math.max(this.currentIndex, 0)).filter((p) => !ids.has(p.plotId)).length;
            this.currentIndex = Math.min(keptBefore, this.plots.length - 1);
        }
        for (const id of ids) {
            this.images.delete(id);
            this.thumbnailsWanted.delete(id);
        }
        for (const zoom of this.zooms) if (ids.has(zoom.plotId)) zoom.plotGone();
        if (this.rendering && ids.has(this.rendering.key.split(' ')[0])) this.cancelRendering();
        return this.plots.length !== before.length;
    }

    // -----------------------------------------------------------------------
    // The panel

    /** Opens the view beside the editor (or shows it), by default without taking the focus. */
    open(preserveFocus: boolean): void {
        if (this.panel) {
            this.panel.reveal(undefined, preserveFocus);
            return;
        }
        const panel = createPanel(this.extensionUri, PLOTS_VIEW_TYPE, 'R Plots', { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, (webview) =>
            webviewHtml(webview, this.extensionUri, { title: 'R Plots', folder: 'plots', stylesheet: 'plots.css', script: 'plotsView.js', body: VIEW_BODY }),
        );
        this.panel = panel;
        this.pageReady = false;
        panel.webview.onDidReceiveMessage((m: FromPlotsView) => this.receive(m));
        // Hidden, the page is dropped (retainContextWhenHidden is off); shown again, it loads and says 'ready'.
        panel.onDidChangeViewState(() => {
            if (!panel.visible) this.pageReady = false;
        });
        panel.onDidDispose(() => {
            if (this.panel !== panel) return;
            this.panel = undefined;
            this.pageReady = false;
            this.cancelRendering();
            this.answerCopy({ ok: false, error: 'the Plots view was closed' });
            this.changedEmitter.fire();
        });
        this.changedEmitter.fire();
    }

    private post(message: ToPlotsView): void {
        if (this.panel) void this.panel.webview.postMessage(message);
    }

    private receive(message: FromPlotsView): void {
        switch (message.type) {
            case 'ready':
                this.pageReady = true;
                this.postState();
                this.showCurrent();
                // A copy asked for before the page had loaded (the view was just opened for it).
                if (this.copyWaiters.length) this.post({ type: 'copy' });
                void this.reconcile();
                break;
            case 'size':
                this.resized(message.size);
                break;
            case 'action':
                void vscode.commands.executeCommand(`rbridge.plots.${message.action satisfies PlotAction}`);
                break;
            case 'select': {
                const index = this.plots.findIndex((p) => p.plotId === message.plotId);
                if (index >= 0) this.go(index);
                break;
            }
            case 'reveal':
                void this.reveal(message.plotId);
                break;
            case 'thumbnails':
                for (const id of message.plotIds) this.thumbnail(id);
                break;
            case 'shown':
                this.onShown(message);
                break;
            case 'copied':
                this.answerCopy({ ok: message.ok, error: message.error });
                break;
        }
    }

    /** The page measured its plot area: R hears the new size once resizing pauses, and the current plot is drawn again. */
    private resized(size: ViewSize): void {
        const valid = validSize(size);
        if (!valid || sameSize(valid, this.size)) {
            // Nothing new, but a plot shown before the first measure may not fit yet.
            this.showCurrent();
            return;
        }
        this.size = valid;
        if (this.sizeTimer) clearTimeout(this.sizeTimer);
        this.sizeTimer = setTimeout(() => {
            this.sizeTimer = undefined;
            void this.memento.update(SIZE_KEY, this.size);
            this.sendSettings();
            this.showCurrent();
        }, RESIZE_DEBOUNCE_MS);
    }

    private sendSettings(): void {
        this.session.setPlotSettings({ ...this.size, background: this.settings.plots.background });
    }

    /** This window attached to a session that was running: its plots are the session's history. */
    catchUp(): void {
        void this.reconcile();
    }

    /** The history the server keeps, after the page (re)loaded: plots missed or gone are put right. */
    private async reconcile(): Promise<void> {
        if (!this.session.isReady) return;
        try {
            const { plots } = await this.session.plots();
            const known = new Set(plots.map((p) => p.plotId));
            const gone = this.plots.filter((p) => !known.has(p.plotId)).map((p) => p.plotId);
            const mine = new Set(this.plots.map((p) => p.plotId));
            const missing = plots.filter((p) => !mine.has(p.plotId));
            if (gone.length === 0 && missing.length === 0) return;
            this.drop(new Set(gone));
            // Plots this view never heard of (drawn before it existed) go before the ones it knows, oldest first.
            this.plots = [...missing, ...this.plots];
            if (this.currentIndex < 0 && this.plots.length) this.currentIndex = this.plots.length - 1;
            else if (this.currentIndex >= 0) this.currentIndex += missing.length;
            this.update();
        } catch (e) {
            this.log.debug(`r/plots: ${errorMessage(e)}`);
        }
    }

    private update(): void {
        this.postState();
        this.showCurrent();
        this.setContext();
        this.changedEmitter.fire();
    }

    private setContext(): void {
        const has = this.plots.length > 0;
        if (has === this.hasPlotsContext) return;
        this.hasPlotsContext = has;
        void vscode.commands.executeCommand('setContext', 'rbridge.hasPlots', has);
    }

    private postState(): void {
        const plots: PlotEntry[] = this.plots.map((p) => ({ plotId: p.plotId, source: plotSource(p), canReveal: canReveal(p) }));
        this.post({ type: 'plots', plots, current: this.currentIndex, banner: this.banner });
    }

    /** Puts the current plot's picture on screen; draws it again if it was drawn for another size. */
    private showCurrent(): void {
        const plot = this.current;
        if (!plot || !this.panel) return;
        const image = this.images.get(plot.plotId);
        if (image) this.post({ type: 'image', plotId: plot.plotId, src: dataUri(image), width: image.width, height: image.height });
        // While R hears of a new size (the pause after a resize), the old picture is shown scaled.
        if (this.sizeTimer) return;
        if (!image || !fits(image, this.size)) void this.renderCurrent(plot.plotId);
        else if (this.renderError) {
            this.renderError = undefined;
            this.post({ type: 'rendering', plotId: plot.plotId, rendering: false });
        }
    }

    private async renderCurrent(plotId: string): Promise<void> {
        const size = this.size;
        const background = this.settings.plots.background;
        const key = `${plotId} ${size.width}x${size.height}@${size.pixelRatio} ${background}`;
        if (this.rendering?.key === key) return;
        this.cancelRendering();
        const token = new vscode.CancellationTokenSource();
        const rendering = { key, token };
        this.rendering = rendering;
        this.post({ type: 'rendering', plotId, rendering: true });
        try {
            const image = await this.session.renderPlot({ plotId, ...size, format: 'png', background }, token.token);
            if (!this.plots.some((p) => p.plotId === plotId)) return;
            this.keepImage(plotId, image);
            if (token.token.isCancellationRequested || this.current?.plotId !== plotId) return;
            this.renderError = undefined;
            this.post({ type: 'image', plotId, src: dataUri(image), width: image.width, height: image.height });
            this.post({ type: 'rendering', plotId, rendering: false });
        } catch (e) {
            if (token.token.isCancellationRequested) return;
            if (errorCode(e) === INVALID_PARAMS) {
                // The server no longer has it (a notification about it may be on its way).
                this.drop(new Set([plotId]));
                this.update();
                return;
            }
            const notRunning = errorCode(e) === KernelNotRunningError;
            this.renderError = notRunning ? undefined : `Could not draw the plot at this size: ${errorMessage(e)}`;
            this.post({ type: 'rendering', plotId, rendering: false, error: this.renderError });
            if (!notRunning) this.log.warn(`r/renderPlot ${plotId} ${size.width}x${size.height}: ${errorMessage(e)}`);
        } finally {
            if (this.rendering === rendering) this.rendering = undefined;
            token.dispose();
        }
    }

    private cancelRendering(): void {
        this.rendering?.token.cancel();
        this.rendering = undefined;
    }

    private keepImage(plotId: string, image: PlotImage): void {
        this.images.delete(plotId);
        this.images.set(plotId, image);
        for (const id of this.images.keys()) {
            if (this.images.size <= KEPT_IMAGES) break;
            if (id !== this.current?.plotId) this.images.delete(id);
        }
    }

    /**
     * A thumbnail came into sight: its picture is the plot's own, scaled
     * down by the page, or, for a plot without one, drawn at the view's size
     * (one at a time, after whatever the view is drawing), so that choosing
     * it later shows it at once. Drawn small, many plots would fail
     * ("figure margins too large").
     */
    private thumbnail(plotId: string): void {
        const image = this.images.get(plotId);
        if (image) {
            this.post({ type: 'thumbnail', plotId, src: dataUri(image) });
            return;
        }
        if (this.thumbnailsWanted.has(plotId)) return;
        this.thumbnailsWanted.add(plotId);
        this.thumbnailChain = this.thumbnailChain.then(async () => {
            if (!this.thumbnailsWanted.delete(plotId) || !this.panel) return;
            const kept = this.images.get(plotId);
            try {
                const drawn = kept ?? (await this.session.renderPlot({ plotId, ...this.size, format: 'png', background: this.settings.plots.background }));
                if (!this.plots.some((p) => p.plotId === plotId)) return;
                if (!kept) this.keepImage(plotId, drawn);
                this.post({ type: 'thumbnail', plotId, src: dataUri(drawn) });
            } catch (e) {
                this.log.debug(`thumbnail of ${plotId}: ${errorMessage(e)}`);
            }
        });
    }

    private onShown(message: Extract<FromPlotsView, { type: 'shown' }>): void {
        const image = this.images.get(message.plotId);
        if (!image) return;
        const pixels = pngSizeOfBase64(image.data);
        this.shownValue = {
            plotId: message.plotId,
            width: image.width,
            height: image.height,
            pixelRatio: image.pixelRatio,
            pixelWidth: pixels?.width ?? 0,
            pixelHeight: pixels?.height ?? 0,
            naturalWidth: message.naturalWidth,
            naturalHeight: message.naturalHeight,
            shownWidth: message.shownWidth,
            shownHeight: message.shownHeight,
        };
        this.shownEmitter.fire(this.shownValue);
    }

    // -----------------------------------------------------------------------
    // Commands (rbridge.plots.*)

    private nothingYet(): boolean {
        if (this.plots.length > 0) return false;
        this.notifier.status('No plots yet: plots appear here when R draws one (plot(1:10)).');
        return true;
    }

    /** R: Show Plots. */
    show(): void {
        this.open(false);
    }

    private go(index: number): void {
        if (index === this.currentIndex) return;
        this.currentIndex = index;
        this.update();
    }

    /** R: Previous Plot. Resolves with the plot now current. */
    previous(): string | undefined {
        if (this.nothingYet()) return undefined;
        if (this.currentIndex <= 0) this.notifier.status('This is the first plot.');
        else this.go(this.currentIndex - 1);
        return this.current?.plotId;
    }

    /** R: Next Plot. */
    next(): string | undefined {
        if (this.nothingYet()) return undefined;
        if (this.currentIndex >= this.plots.length - 1) this.notifier.status('This is the newest plot.');
        else this.go(this.currentIndex + 1);
        return this.current?.plotId;
    }

    /** R: Remove Plot: the current one (or the one named). Resolves whether R removed it. */
    async remove(plotId?: unknown): Promise<boolean> {
        if (this.nothingYet()) return false;
        const id = typeof plotId === 'string' ? plotId : this.current?.plotId;
        if (!id || !this.plots.some((p) => p.plotId === id)) return false;
        this.drop(new Set([id]));
        this.update();
        try {
            return (await this.session.removePlot(id)).removed;
        } catch (e) {
            // Without R the plot is gone anyway.
            if (errorCode(e) !== KernelNotRunningError) throw e;
            return false;
        }
    }

    /** R: Clear Plots: asks first, unless given `{ confirm: false }`. Resolves with how many went. */
    async clear(options?: unknown): Promise<number> {
        if (this.nothingYet()) return 0;
        const count = this.plots.length;
        const confirm = !(typeof options === 'object' && options !== null && (options as { confirm?: unknown }).confirm === false);
        if (confirm) {
            const answer = await vscode.window.showWarningMessage(
                `Remove all ${count} ${count === 1 ? 'plot' : 'plots'} from the history?`,
                { modal: true, detail: 'They cannot be brought back; running the code again draws them again.' },
                'Clear Plots',
            );
            if (answer !== 'Clear Plots') return 0;
        }
        this.drop(new Set(this.plots.map((p) => p.plotId)));
        this.banner = undefined;
        this.update();
        try {
            await this.session.clearPlots();
        } catch (e) {
            if (errorCode(e) !== KernelNotRunningError) throw e;
        }
        return count;
    }

    /** R: Zoom Plot: the current plot (or the one named) in an editor tab of its own, drawn at that tab's size. */
    zoom(plotId?: unknown): ZoomPanel | undefined {
        if (this.nothingYet()) return undefined;
        const plot = this.plots.find((p) => p.plotId === (typeof plotId === 'string' ? plotId : this.current?.plotId));
        if (!plot) return undefined;
        const number = this.plots.indexOf(plot) + 1;
        // Where there is room: the editors' group, not the one the Plots view is in (the tab would hide it).
        const viewColumn = vscode.window.visibleTextEditors.map((e) => e.viewColumn).find((c) => c !== undefined && c !== this.panel?.viewColumn);
        const zoom = new ZoomPanel(this.extensionUri, plot.plotId, `Plot ${number} (${plotSource(plot)})`, viewColumn ?? vscode.ViewColumn.Active, {
            render: async (id, size, token) => {
                try {
                    return await this.session.renderPlot({ plotId: id, ...size, format: 'png', background: this.settings.plots.background }, token);
                } catch (e) {
                    throw new Error(`Could not draw the plot at this size: ${errorMessage(e)}`);
                }
            },
        });
        this.zooms.add(zoom);
        zoom.onDidShow(() => this.changedEmitter.fire());
        zoom.onDidDispose(() => {
            this.zooms.delete(zoom);
            this.changedEmitter.fire();
        });
        this.changedEmitter.fire();
        return zoom;
    }

    /**
     * R: Save Plot: as PNG, SVG or PDF, at a size asked for (the view's by
     * default). Tests and scripts pass the file and the size instead of
     * answering the dialogs. Resolves with the file written, if any.
     */
    async save(options?: unknown): Promise<vscode.Uri | undefined> {
        if (this.nothingYet()) return undefined;
        const given = (typeof options === 'object' && options !== null ? options : {}) as SaveOptions;
        const plot = this.plots.find((p) => p.plotId === (given.plotId ?? this.current?.plotId));
        if (!plot) return undefined;
        let uri = typeof given.uri === 'string' ? vscode.Uri.parse(given.uri) : given.uri;
        if (!uri) {
            const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
            uri = await vscode.window.showSaveDialog({
                title: 'Save Plot',
                saveLabel: 'Save Plot',
                defaultUri: folder ? vscode.Uri.joinPath(folder, `plot-${this.plots.indexOf(plot) + 1}.png`) : undefined,
                filters: { 'PNG image': ['png'], 'SVG image': ['svg'], 'PDF document': ['pdf'] },
            });
            if (!uri) return undefined;
        }
        const format = given.format ?? formatOfFile(uri.path);
        let size = given.width && given.height ? { width: given.width, height: given.height } : undefined;
        if (!size) {
            const typed = await vscode.window.showInputBox({
                title: `Save Plot as ${format.toUpperCase()}`,
                prompt: 'Width × height in pixels (a PDF takes 96 pixels per inch)',
                value: `${this.size.width} × ${this.size.height}`,
                validateInput: (text) => (parsePlotSize(text) ? undefined : `Two whole numbers from 1 to ${MAX_PLOT_SIDE}, such as 800 × 600.`),
            });
            if (typed === undefined) return undefined;
            size = parsePlotSize(typed);
            if (!size) return undefined;
        }
        const image = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Window, title: `Saving the plot as ${format.toUpperCase()}` },
            () => this.session.renderPlot({ plotId: plot.plotId, ...size, pixelRatio: 1, format, background: this.settings.plots.background }),
        );
        await vscode.workspace.fs.writeFile(uri, Buffer.from(image.data, 'base64'));
        this.notifier.status(`Plot saved to ${vscode.workspace.asRelativePath(uri)}.`);
        return uri;
    }

    /**
     * R: Copy Plot: the picture on screen, as PNG, to the clipboard. The
     * clipboard takes pictures only in the page (navigator.clipboard), and
     * only from a page that has the focus: the view is shown with the focus
     * first. Resolves with what happened.
     */
    async copy(): Promise<{ ok: boolean; error?: string }> {
        if (this.nothingYet()) return { ok: false, error: 'no plot' };
        this.open(false);
        const result = await new Promise<{ ok: boolean; error?: string }>((resolve) => {
            const timer = setTimeout(() => this.answerCopy({ ok: false, error: 'the Plots view did not answer' }), COPY_TIMEOUT_MS);
            this.copyWaiters.push((r) => {
                clearTimeout(timer);
                resolve(r);
            });
            if (this.pageReady) this.post({ type: 'copy' });
        });
        return result;
    }

    /** The page said what a copy did (from its button, or for copy()). */
    private answerCopy(result: { ok: boolean; error?: string }): void {
        const waiters = this.copyWaiters.splice(0);
        for (const waiter of waiters) waiter(result);
        if (result.ok) this.notifier.status('Plot copied to the clipboard as PNG.');
        else if (waiters.length > 0 || result.error !== 'the Plots view was closed') {
            void this.notifier.show('error', `Could not copy the plot to the clipboard: ${result.error ?? 'unknown error'}. Use "R: Save Plot" instead.`);
        }
    }

    /** Shows the line that drew a plot, in its editor. */
    async reveal(plotId?: string): Promise<boolean> {
        const plot = this.plots.find((p) => p.plotId === (plotId ?? this.current?.plotId));
        if (!plot?.uri || !plot.range) {
            this.notifier.status('This plot was drawn from the console: there is no line to show.');
            return false;
        }
        const uri = vscode.Uri.parse(plot.uri);
        const { start, end } = plot.range;
        const range = new vscode.Range(start.line, start.character, end.line, end.character);
        const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
        const editor = await vscode.window.showTextDocument(uri, {
            viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
            selection: new vscode.Range(range.start, range.start),
            preserveFocus: false,
        });
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        return true;
    }

    dispose(): void {
        if (this.sizeTimer) clearTimeout(this.sizeTimer);
        this.cancelRendering();
        for (const zoom of [...this.zooms]) zoom.dispose();
        this.panel?.dispose();
        for (const s of this.subscriptions) s.dispose();
    }
}

/** The page of the view: the toolbar, a banner, the plot, the history's thumbnails. The script (plotsView.js) brings it to life. */
const VIEW_BODY = `<div class="toolbar" role="toolbar" aria-label="Plot actions">
  <button id="previous" class="icon" aria-label="Previous plot" title="Previous plot (Left)"><span class="codicon codicon-arrow-left"></span></button>
  <span id="position" class="position" aria-live="polite"></span>
  <button id="next" class="icon" aria-label="Next plot" title="Next plot (Right)"><span class="codicon codicon-arrow-right"></span></button>
  <button id="source" class="source link" title="Show the line that drew this plot" hidden></button>
  <span class="spacer"></span>
  <button id="zoom" class="icon" aria-label="Zoom: open the plot in an editor tab" title="Zoom (open in an editor tab)"><span class="codicon codicon-zoom-in"></span></button>
  <button id="save" class="icon" aria-label="Save the plot as PNG, SVG or PDF" title="Save as PNG, SVG or PDF"><span class="codicon codicon-save"></span></button>
  <button id="copy" class="icon" aria-label="Copy the plot to the clipboard as PNG" title="Copy as PNG"><span class="codicon codicon-copy"></span></button>
  <button id="remove" class="icon" aria-label="Remove this plot" title="Remove this plot (Delete)"><span class="codicon codicon-close"></span></button>
  <button id="clear" class="icon" aria-label="Clear all plots" title="Clear all plots"><span class="codicon codicon-clear-all"></span></button>
</div>
<main id="area" class="area" tabindex="0" aria-label="Current plot. Left and Right arrows: previous and next plot; Delete: remove it.">
  <div id="banner" class="banner" role="status" aria-live="polite" hidden></div>
  <img id="plot" class="plot-image" alt="" hidden>
  <div id="empty" class="empty"><p>No plots yet. Plots appear here when R draws one: run <code>plot(1:10)</code> with Ctrl+Enter.</p></div>
  <div id="status" class="status" role="status" aria-live="polite" hidden></div>
</main>
<div id="thumbs" class="thumbs" role="listbox" aria-label="Plot history" aria-orientation="horizontal"></div>`;

function validSize(value: unknown): ViewSize | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const { width, height, pixelRatio } = value as Partial<ViewSize>;
    if (typeof width !== 'number' || typeof height !== 'number' || !(width >= 1) || !(height >= 1)) return undefined;
    const ratio = typeof pixelRatio === 'number' && pixelRatio > 0 && pixelRatio <= 8 ? pixelRatio : 1;
    return {
        width: Math.min(MAX_PLOT_SIDE, Math.round(width)),
        height: Math.min(MAX_PLOT_SIDE, Math.round(height)),
        pixelRatio: Math.round(ratio * 100) / 100,
    };
}

function sameSize(a: ViewSize, b: ViewSize): boolean {
    return a.width === b.width && a.height === b.height && a.pixelRatio === b.pixelRatio;
}

function fits(image: PlotImage, size: ViewSize): boolean {
    return image.format === 'png' && image.width === size.width && image.height === size.height && image.pixelRatio === size.pixelRatio;
}
