/**
 * The messages between the extension and its two plot panels: the Plots
 * view (client/webview/plots/plotsView.ts) and a zoomed plot's editor tab
 * (client/webview/plots/zoom.ts). Declared once, imported by both sides.
 *
 * Pictures travel as `data:` URIs of PNG files: the webviews never see SVG,
 * so that a plot of 200,000 points costs the view one image, not 200,000
 * DOM nodes.
 *
 * No `vscode` import: the webviews' bundles include this file.
 */

/** The size of the area a picture is shown in, in CSS pixels, and the screen's device pixel ratio. */
export interface ViewSize {
    width: number;
    height: number;
    pixelRatio: number;
}

/** A plot as the view lists it. */
export interface PlotEntry {
    plotId: string;
    /** Where it came from, for a person: "analysis.R:12", "console". */
    source: string;
    /** Whether `source` links to a line of a document (the view's link reveals it). */
    canReveal: boolean;
}

/** A note above the plot: why plots went away, or why new ones do not come. */
export interface Banner {
    severity: 'info' | 'warning' | 'error';
    text: string;
}

export type PlotAction = 'previous' | 'next' | 'remove' | 'clear' | 'zoom' | 'save' | 'copy';

/** Extension → Plots view. */
export type ToPlotsView =
    /** The history and which plot is current (-1: none). */
    | { type: 'plots'; plots: PlotEntry[]; current: number; banner?: Banner }
    /** The current plot's picture; `width`/`height`: the CSS size it was rendered for. */
    | { type: 'image'; plotId: string; src: string; width: number; height: number }
    /** A picture for a thumbnail (lazily, when the view asked for it). */
    | { type: 'thumbnail'; plotId: string; src: string }
    /** Whether a picture for the current size is being made (the old one is shown scaled meanwhile). */
    | { type: 'rendering'; plotId: string; rendering: boolean; error?: string }
    /** Copy the current picture to the clipboard (the command palette's Copy); answered with 'copied'. */
    | { type: 'copy' };

/** Plots view → extension. */
export type FromPlotsView =
    | { type: 'ready' }
    /** The plot area's size changed (also sent once at load). */
    | { type: 'size'; size: ViewSize }
    | { type: 'action'; action: PlotAction }
    /** A thumbnail was chosen. */
    | { type: 'select'; plotId: string }
    /** The source link was followed. */
    | { type: 'reveal'; plotId: string }
    /** Thumbnails scrolled into sight without a picture yet. */
    | { type: 'thumbnails'; plotIds: string[] }
    /** The picture is on screen: its decoded size in pixels and the size it takes in CSS pixels. */
    | { type: 'shown'; plotId: string; naturalWidth: number; naturalHeight: number; shownWidth: number; shownHeight: number }
    /** What a copy to the clipboard did. */
    | { type: 'copied'; ok: boolean; error?: string };

/** Extension → zoom tab. */
export type ToZoom =
    | { type: 'image'; src: string; width: number; height: number }
    | { type: 'rendering'; rendering: boolean; error?: string };

/** Zoom tab → extension. */
export type FromZoom =
    | { type: 'ready' }
    | { type: 'size'; size: ViewSize }
    | { type: 'shown'; naturalWidth: number; naturalHeight: number };
