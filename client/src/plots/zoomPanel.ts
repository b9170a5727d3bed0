/**
 * A plot zoomed: one plot of the history in an editor tab of its own,
 * drawn again (r/renderPlot) at the tab's size whenever that changes, so
 * that it can be looked at as large as the window allows, or dragged to a
 * second window.
 */
import * as vscode from 'vscode';
import type { PlotImage } from '../../../common/protocol';
import type { FromZoom, ToZoom, ViewSize } from './protocol';
import { createPanel, webviewHtml } from '../webviewPage';

export const ZOOM_VIEW_TYPE = 'rbridge.plotZoom';
const RESIZE_DEBOUNCE_MS = 250;

export interface ZoomSource {
    /** Draws the plot at this size; rejects with a message for a person. */
    render(plotId: string, size: ViewSize, token: vscode.CancellationToken): Promise<PlotImage>;
}

export class ZoomPanel implements vscode.Disposable {
    private readonly panel: vscode.WebviewPanel;
    private size: ViewSize | undefined;
    private timer: ReturnType<typeof setTimeout> | undefined;
    private rendering: vscode.CancellationTokenSource | undefined;
    private image: PlotImage | undefined;
    private readonly disposedEmitter = new vscode.EventEmitter<void>();
    private readonly shownEmitter = new vscode.EventEmitter<{ naturalWidth: number; naturalHeight: number }>();
    readonly onDidDispose = this.disposedEmitter.event;
    /** The zoomed picture is on screen (its decoded size in pixels). */
    readonly onDidShow = this.shownEmitter.event;
    /** What the tab shows last: the picture's decoded size in pixels. */
    shown: { naturalWidth: number; naturalHeight: number } | undefined;

    constructor(
        extensionUri: vscode.Uri,
        readonly plotId: string,
        title: string,
        viewColumn: vscode.ViewColumn,
        private readonly source: ZoomSource,
    ) {
        this.panel = createPanel(extensionUri, ZOOM_VIEW_TYPE, title, { viewColumn }, (webview) =>
            webviewHtml(webview, extensionUri, {
                folder: 'plots',
                stylesheet: 'plots.css',
                title,
                script: 'zoom.js',
                body: `<main id="zoom-area" class="zoom" aria-label="${title.replace(/"/g, '&quot;')}">
<img id="plot" class="plot-image" alt="${title.replace(/"/g, '&quot;')}" hidden>
<div id="status" class="status" role="status" aria-live="polite">Drawing the plot…</div>
</main>`,
            }),
        );
        this.panel.webview.onDidReceiveMessage((m: FromZoom) => this.receive(m));
        this.panel.onDidDispose(() => this.dispose());
    }

    private post(message: ToZoom): void {
        void this.panel.webview.postMessage(message);
    }

    private receive(message: FromZoom): void {
        switch (message.type) {
            case 'ready':
                // A tab shown again after being hidden starts afresh: it gets the last picture at once.
                if (this.image) this.post({ type: 'image', src: dataUri(this.image), width: this.image.width, height: this.image.height });
                break;
            case 'size':
                this.size = message.size;
                if (this.timer) clearTimeout(this.timer);
                // The first size is drawn at once; a drag of the tab's edge once it pauses.
                this.timer = setTimeout(() => void this.render(), this.image ? RESIZE_DEBOUNCE_MS : 0);
                break;
            case 'shown':
                this.shown = { naturalWidth: message.naturalWidth, naturalHeight: message.naturalHeight };
                this.shownEmitter.fire(this.shown);
                break;
        }
    }

    private async render(): Promise<void> {
        const size = this.size;
        if (!size) return;
        if (this.image && this.image.width === size.width && this.image.height === size.height && this.image.pixelRatio === size.pixelRatio) return;
        this.rendering?.cancel();
        const token = new vscode.CancellationTokenSource();
        this.rendering = token;
        this.post({ type: 'rendering', rendering: true });
        try {
            const image = await this.source.render(this.plotId, size, token.token);
            if (token.token.isCancellationRequested) return;
            this.image = image;
            this.post({ type: 'image', src: dataUri(image), width: image.width, height: image.height });
            this.post({ type: 'rendering', rendering: false });
        } catch (e) {
            if (token.token.isCancellationRequested) return;
            this.post({ type: 'rendering', rendering: false, error: e instanceof Error ? e.message : String(e) });
        } finally {
            if (this.rendering === token) this.rendering = undefined;
            token.dispose();
        }
    }

    /** The plot left the history: the tab says so (and keeps the last picture). */
    plotGone(): void {
        this.post({ type: 'rendering', rendering: false, error: 'This plot is no longer in the history.' });
        this.size = undefined;
    }

    reveal(): void {
        this.panel.reveal();
    }

    private disposed = false;
    dispose(): void {
        if (this.disposed) return;
        this.disposed = true;
        if (this.timer) clearTimeout(this.timer);
        this.rendering?.cancel();
        this.panel.dispose();
        this.disposedEmitter.fire();
        this.disposedEmitter.dispose();
        this.shownEmitter.dispose();
    }
}

export function dataUri(image: PlotImage): string {
    return `data:${image.mimeType || 'image/png'};base64,${image.data}`;
}
