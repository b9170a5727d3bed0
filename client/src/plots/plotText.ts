/**
 * The pure parts of the Plots view: a PNG's pixel size from its header,
 * where a plot came from said for a person, the size typed for a saved
 * plot, and which file format a saved file's name asks for.
 *
 * No `vscode` import: tested in plain Node (test/unit/plots.test.ts).
 */
import type { PlotFormat, PlotInfo } from '../../../common/protocol';

/** A PNG's width and height in pixels, from its IHDR chunk; undefined if the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
    const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
    if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) return undefined;
    // The first chunk is IHDR: length (4 bytes), "IHDR", then width and height, big-endian.
    if (String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) !== 'IHDR') return undefined;
    const word = (at: number) => ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
    return { width: word(16), height: word(20) };
}

/** The same from base64 text (only its first bytes are decoded). */
export function pngSizeOfBase64(data: string): { width: number; height: number } | undefined {
    return pngSize(Buffer.from(data.slice(0, 44), 'base64'));
}

/** "analysis.R:12" for a plot drawn by line 12 of analysis.R, "console" (or "console, line 3") without a document. */
export function plotSource(plot: PlotInfo): string {
    if (plot.uri && plot.range) {
        // The last segment of the path, without the scheme ("untitled:Untitled-1" is "Untitled-1").
        const path = plot.uri.replace(/[?#].*$/, '').replace(/^[a-z][\w+.-]*:(\/\/[^/]*)?/i, '');
        const name = decodeURIComponent(path.replace(/\/+$/, '').split('/').pop() || plot.uri);
        return `${name}:${plot.range.start.line + 1}`;
    }
    return 'console';
}

/** Whether the plot's source is a document line the view can reveal. */
export function canReveal(plot: PlotInfo): boolean {
    return plot.uri !== undefined && plot.range !== undefined;
}

/** The largest size r/renderPlot takes, per side, in CSS pixels. */
export const MAX_PLOT_SIDE = 20000;

/**
 * A size typed for a saved plot: "800x600", "800 × 600", "800, 600",
 * "800 600". Undefined when it is not two whole numbers from 1 to 20000.
 */
export function parsePlotSize(text: string): { width: number; height: number } | undefined {
    const match = /^\s*(\d+)\s*(?:[x×*,]|\s)\s*(\d+)\s*(?:px)?\s*$/i.exec(text);
    if (!match) return undefined;
    const width = Number(match[1]);
    const height = Number(match[2]);
    if (width < 1 || height < 1 || width > MAX_PLOT_SIDE || height > MAX_PLOT_SIDE) return undefined;
    return { width, height };
}

/** The format a file name asks for by its extension (PNG when it has none of the three). */
export function formatOfFile(name: string): PlotFormat {
    const ext = /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase();
    return ext === 'svg' ? 'svg' : ext === 'pdf' ? 'pdf' : 'png';
}

