/**
 * The plots capability: the index of the plots R keeps (kernel/plots.R
 * holds the recordings), the view's settings, and the kernel requests that
 * render, remove and clear. Plot ids are the server's own, unique for its
 * lifetime: the kernel numbers its plots from 1 again after a restart, and
 * a client that asks for an earlier R's plot gets a clear error instead of
 * another plot.
 */
import type { CancellationToken } from 'vscode-jsonrpc';
import type {
    ClearPlotsResult,
    PlotInfo,
    PlotParams,
    PlotSettingsParams,
    PlotsChangedParams,
    PlotsResult,
    RemovePlotParams,
    RemovePlotResult,
    RenderPlotParams,
    RenderPlotResult,
} from '../../../common/protocol';
import type { FromKernel } from '../kernel/wire';
import { SessionError } from './errors';
import type { RequestOptions } from './executions';

/** What the plots need of the session: callbacks only, no import back. */
export interface PlotsHost {
    /** Queues a kernel request (see WorkQueue.request). */
    request(method: string, params: unknown, token?: CancellationToken, options?: RequestOptions): Promise<unknown>;
    /** Throws the error for "no kernel" when there is none. */
    requireKernel(): void;
    /** The execution the kernel numbers `seq`, and `line` of its code in its document (WorkQueue.origin). */
    origin(seq: number, line: number): Pick<PlotInfo, 'executionId' | 'line' | 'uri' | 'range'>;
    plot(params: PlotParams): void;
    plotsChanged(params: PlotsChangedParams): void;
    log(message: string): void;
}

interface Entry {
    info: PlotInfo;
    /** The kernel's number for it. */
    kernelId: number;
}

export class Plots {
    private settings: PlotSettingsParams | undefined;
    /** The plots of the current kernel, oldest first. */
    private readonly entries = new Map<string, Entry>();
    private readonly byKernelId = new Map<number, string>();
    private lastId = 0;
    private running = false;

    constructor(private readonly host: PlotsHost) {}

    /** A kernel is ready: it learns the view's size before anything runs. */
    kernelReady(): void {
        this.running = true;
        if (this.settings) this.applySettings(true);
    }

    /** The kernel is gone, and its plots with it. */
    kernelGone(): void {
        this.running = false;
        if (!this.entries.size) return;
        const removed = [...this.entries.keys()];
        this.entries.clear();
        this.byKernelId.clear();
        this.host.plotsChanged({ removed, reason: 'restart' });
    }

    /** Handles the kernel's plot frames; false for any other message. */
    onMessage(message: FromKernel): boolean {
        if (message.kind === 'plot') {
            this.onPlot(message);
            return true;
        }
        if (message.kind === 'plots') {
            if (message.reason === 'device') {
                this.host.plotsChanged({ removed: [], reason: 'device', message: message.message });
            } else {
                this.drop(message.plotIds, 'capped');
            }
            return true;
        }
        return false;
    }

    private onPlot(message: Extract<FromKernel, { kind: 'plot' }>): void {
        const origin = this.host.origin(message.id, message.line);
        let plotId = this.byKernelId.get(message.plotId);
        if (plotId === undefined) {
            plotId = String(++this.lastId);
            this.byKernelId.set(message.plotId, plotId);
        }
        const info: PlotInfo = { plotId, ...origin };
        this.entries.set(plotId, { info, kernelId: message.plotId });
        const params: PlotParams = { ...info, kind: message.change };
        if (message.png.length) {
            params.image = {
                format: 'png',
                mimeType: 'image/png',
                data: message.png.toString('base64'),
                width: message.width,
                height: message.height,
                pixelRatio: message.pixelRatio,
            };
        }
        this.host.plot(params);
    }

    private drop(kernelIds: number[], reason: PlotsChangedParams['reason']): void {
        const removed: string[] = [];
        for (const kernelId of kernelIds) {
            const plotId = this.byKernelId.get(kernelId);
            if (plotId === undefined) continue;
            this.byKernelId.delete(kernelId);
            this.entries.delete(plotId);
            removed.push(plotId);
        }
        if (removed.length) this.host.plotsChanged({ removed, reason });
    }

    /** r/plotSettings: kept for every later kernel, and applied before the next execution sent after it. */
    setSettings(params: PlotSettingsParams): void {
        this.settings = params;
        if (this.running) this.applySettings(false);
    }

    private applySettings(first: boolean): void {
        const { width, height, pixelRatio, background } = this.settings!;
        this.host.request('plots/settings', { width, height, pixelRatio, background }, undefined, { supersede: true, first }).catch((e: Error) =>
            this.host.log(`the plot settings could not be applied: ${e.message}`),
        );
    }

    list(): PlotsResult {
        return { plots: [...this.entries.values()].map((e) => e.info) };
    }

    async render(params: RenderPlotParams, token?: CancellationToken): Promise<RenderPlotResult> {
        const entry = this.known(params.plotId);
        this.host.requireKernel();
        const background = params.background ?? this.settings?.background;
        const result = (await this.host.request(
            'plots/render',
            { plotId: entry.kernelId, width: params.width, height: params.height, pixelRatio: params.pixelRatio ?? 1, format: params.format, background },
            token,
        )) as Omit<RenderPlotResult, 'plotId'>;
        return { plotId: params.plotId, ...result };
    }

    async remove(params: RemovePlotParams): Promise<RemovePlotResult> {
        const entry = this.entries.get(params.plotId);
        if (!entry) return { removed: false };
        this.host.requireKernel();
        await this.host.request('plots/remove', { plotId: entry.kernelId });
        this.drop([entry.kernelId], 'removed');
        return { removed: true };
    }

    async clear(): Promise<ClearPlotsResult> {
        this.host.requireKernel();
        await this.host.request('plots/clear', {});
        const before = this.entries.size;
        this.drop(
            [...this.entries.values()].map((e) => e.kernelId),
            'cleared',
        );
        return { removed: before };
    }

    private known(plotId: string): Entry {
        const entry = this.entries.get(plotId);
        if (entry) return entry;
        const earlier = Number(plotId) > 0 && Number(plotId) <= this.lastId;
        throw new SessionError(
            -32602,
            earlier ? `plot ${plotId} is no longer kept (it was removed, or R was restarted)` : `there is no plot '${plotId}'`,
        );
    }
}
