import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import * as zlib from 'zlib';
import type { RBridgeApi } from '../../client/src/api';
import type { ShownImage } from '../../client/src/plots/plotsView';
import { RESTART_TEXT } from '../../client/src/plots/plotsView';
import { pngSize } from '../../client/src/plots/plotText';
import type { ExecuteResult } from '../../common/protocol';
import { PAGE_LOAD_MS, cursorAt, openR, readyR, scratchDir, waitUntil } from './helpers';

function command<T = unknown>(id: string, ...args: unknown[]): Thenable<T | undefined> {
    return vscode.commands.executeCommand<T | undefined>(id, ...args);
}

/** Whether a picture on screen was drawn for the view's size, at its pixel ratio: the PNG's header says so, and so does the page that decoded it. */
function fitsView(shown: ShownImage, r: RBridgeApi): boolean {
    const size = r.plots.viewSize();
    const near = (a: number, b: number) => Math.abs(a - b) <= 1;
    return (
        shown.width === size.width &&
        shown.height === size.height &&
        near(shown.pixelWidth, size.width * size.pixelRatio) &&
        near(shown.pixelHeight, size.height * size.pixelRatio) &&
        shown.naturalWidth === shown.pixelWidth &&
        shown.naturalHeight === shown.pixelHeight
    );
}

/** Waits until the view shows this plot, drawn for the view's size. */
function showsFitted(r: RBridgeApi, plotId: () => string | undefined, what: string): Promise<ShownImage> {
    return waitUntil(
        () => {
            const shown = r.plots.shown();
            return shown && shown.plotId === plotId() && fitsView(shown, r) ? shown : undefined;
        },
        [r.plots.onDidShowImage, r.plots.onDidChange],
        what,
        PAGE_LOAD_MS,
    );
}

/**
 * The colour of a PNG's top-left pixel as #rrggbb (8-bit RGB or RGBA, or a
 * palette of any depth: R's cairo PNGs of few colours have one). Every row
 * filter predicts 0 for the first pixel of the first row (no pixel left of
 * it or above it), so its bytes follow the filter byte as they are.
 */
function topLeftColour(png: Buffer): string {
    const depth = png[24];
    const colourType = png[25];
    const chunks: Buffer[] = [];
    let palette: Buffer | undefined;
    for (let at = 8; at < png.length; ) {
        const length = png.readUInt32BE(at);
        const type = png.toString('latin1', at + 4, at + 8);
        if (type === 'IDAT') chunks.push(png.subarray(at + 8, at + 8 + length));
        if (type === 'PLTE') palette = png.subarray(at + 8, at + 8 + length);
        at += 12 + length;
    }
    const pixels = zlib.inflateSync(Buffer.concat(chunks));
    let rgb: Buffer;
    if (colourType === 3 && palette) {
        const index = pixels[1] >> (8 - depth);
        rgb = palette.subarray(index * 3, index * 3 + 3);
    } else {
        assert.ok(depth === 8 && (colourType === 2 || colourType === 6), `an 8-bit RGB or RGBA PNG (depth ${depth}, colour type ${colourType})`);
        rgb = pixels.subarray(1, 4);
    }
    return '#' + [...rgb].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function plotCount(r: RBridgeApi, count: number): Promise<true> {
    return waitUntil(() => (r.plots.list().length === count ? true : undefined), [r.plots.onDidChange], `${count} plots in the history`);
}

suite('Plots view', () => {
    let r: RBridgeApi;

    suiteSetup(async () => {
        r = await readyR();
        if (r.plots.list().length) await command('rbridge.plots.clear', { confirm: false });
    });

    suiteTeardown(async () => {
        if (r.plots.list().length) await command('rbridge.plots.clear', { confirm: false });
    });

    test('plot(1:10) run from an editor opens the view beside it, leaves the focus in the editor, and shows a PNG drawn at the view size', async () => {
        const editor = await openR('plots.R', ['plot(1:10)', 'hist(c(1, 2, 2, 3, 3, 3, 4))', 'plot(cars, main = "cars")']);
        cursorAt(editor, 0);
        const result = await command<ExecuteResult>('rbridge.runSelection');
        assert.strictEqual(result?.status, 'ok', result?.error?.message);
        await plotCount(r, 1);
        const plot = r.plots.current();
        assert.ok(plot);
        assert.strictEqual(plot.uri, editor.document.uri.toString(), 'the plot knows its document');
        assert.strictEqual(plot.range?.start.line, 0, 'and the line that drew it');
        assert.ok(r.plots.isOpen(), 'the Plots view opened by itself');
        const shown = await showsFitted(r, () => plot.plotId, 'plot(1:10) on screen at the view size');
        console.log(`    (view ${JSON.stringify(r.plots.viewSize())}, PNG ${shown.pixelWidth}×${shown.pixelHeight})`);
        assert.ok(shown.pixelWidth > 50 && shown.pixelHeight > 50, `a real picture: ${shown.pixelWidth}×${shown.pixelHeight}`);
        assert.strictEqual(vscode.window.activeTextEditor?.document.uri.toString(), editor.document.uri.toString(), 'the editor keeps the focus');
    });

    test('previous and next walk the history, and each plot is drawn at the view size', async () => {
        const editor = vscode.window.activeTextEditor;
        assert.ok(editor, 'the editor of plots.R');
        cursorAt(editor, 1);
        assert.strictEqual((await command<ExecuteResult>('rbridge.runSelection'))?.status, 'ok');
        cursorAt(editor, 2);
        assert.strictEqual((await command<ExecuteResult>('rbridge.runSelection'))?.status, 'ok');
        await plotCount(r, 3);
        const ids = r.plots.list().map((p) => p.plotId);
        assert.strictEqual(r.plots.index(), 2, 'the newest plot is current');
        assert.deepStrictEqual(
            r.plots.list().map((p) => p.range?.start.line),
            [0, 1, 2],
        );
        await showsFitted(r, () => ids[2], 'the newest plot on screen');
        assert.strictEqual(await command('rbridge.plots.previous'), ids[1]);
        await showsFitted(r, () => ids[1], 'the second plot on screen after Previous');
        assert.strictEqual(await command('rbridge.plots.previous'), ids[0]);
        assert.strictEqual(await command('rbridge.plots.previous'), ids[0], 'Previous at the first plot stays there');
        await showsFitted(r, () => ids[0], 'the first plot on screen');
        assert.strictEqual(await command('rbridge.plots.next'), ids[1]);
        assert.strictEqual(await command('rbridge.plots.next'), ids[2]);
        assert.strictEqual(await command('rbridge.plots.next'), ids[2], 'Next at the newest plot stays there');
        await showsFitted(r, () => ids[2], 'the newest plot on screen again');
    });

    test('saves the current plot as PNG (a valid file of the size asked), SVG and PDF', async () => {
        const dir = scratchDir('saved-plots');
        const png = vscode.Uri.file(path.join(dir, 'cars.png'));
        const written = await command<vscode.Uri>('rbridge.plots.save', { uri: png.toString(), width: 400, height: 300 });
        assert.strictEqual(written?.toString(), png.toString());
        const bytes = fs.readFileSync(png.fsPath);
        assert.deepStrictEqual(pngSize(bytes), { width: 400, height: 300 }, 'a PNG of 400 × 300 pixels');
        assert.ok(bytes.length > 1000, `a real picture (${bytes.length} bytes)`);
        // PNG files end with an IEND chunk.
        assert.strictEqual(bytes.subarray(bytes.length - 8, bytes.length - 4).toString('latin1'), 'IEND', 'the PNG is complete');

        const svg = vscode.Uri.file(path.join(dir, 'cars.svg'));
        await command('rbridge.plots.save', { uri: svg, width: 500, height: 400 });
        assert.match(fs.readFileSync(svg.fsPath, 'utf8').slice(0, 300), /<svg/);
        const pdf = vscode.Uri.file(path.join(dir, 'cars.pdf'));
        await command('rbridge.plots.save', { uri: pdf, width: 500, height: 400 });
        assert.strictEqual(fs.readFileSync(pdf.fsPath).subarray(0, 5).toString('latin1'), '%PDF-');
    });

    test('zoom opens the plot in an editor tab, drawn at that tab size', async () => {
        const plotId = r.plots.current()?.plotId;
        await command('rbridge.plots.zoom');
        const zoomed = await waitUntil(
            () => r.plots.zoomed().find((z) => z.plotId === plotId && z.shown),
            [r.plots.onDidChange],
            'the zoomed plot on screen',
            PAGE_LOAD_MS,
        );
        assert.ok(zoomed?.shown && zoomed.shown.naturalWidth > 50, `zoomed: ${JSON.stringify(r.plots.zoomed())}`);
        await command('workbench.action.closeActiveEditor');
    });

    test('remove takes the current plot out of the history, clear takes them all', async () => {
        const before = r.plots.list().map((p) => p.plotId);
        assert.strictEqual(before.length, 3);
        assert.strictEqual(await command('rbridge.plots.previous'), before[1]);
        assert.strictEqual(await command('rbridge.plots.remove'), true, 'R removed it');
        assert.deepStrictEqual(
            r.plots.list().map((p) => p.plotId),
            [before[0], before[2]],
        );
        assert.strictEqual(r.plots.current()?.plotId, before[2], 'the newer neighbour becomes current');
        await showsFitted(r, () => before[2], 'the neighbour on screen');
        assert.strictEqual(await command('rbridge.plots.clear', { confirm: false }), 2);
        assert.strictEqual(r.plots.list().length, 0);
        assert.strictEqual(r.plots.current(), undefined);
    });

    test('the background setting: a grid plot on screen is drawn again with it, a saved PNG has it; base graphics keep theirs', async () => {
        const config = vscode.workspace.getConfiguration('rbridge');
        const dir = scratchDir('background-plots');
        const save = async (name: string): Promise<string> => {
            const uri = vscode.Uri.file(path.join(dir, name));
            const saved = await command<vscode.Uri>('rbridge.plots.save', { uri: uri.toString(), width: 400, height: 300 });
            assert.strictEqual(saved?.toString(), uri.toString(), `saved ${name}`);
            return topLeftColour(fs.readFileSync(uri.fsPath));
        };
        // Base graphics: R's white, also in a saved picture (not transparent).
        assert.strictEqual((await r.execute('plot(1:5)')).status, 'ok');
        await plotCount(r, 1);
        const base = r.plots.current()?.plotId;
        assert.strictEqual(await save('base.png'), '#ffffff', "R's white by default");
        assert.strictEqual((await r.execute('grid::grid.newpage(); grid::grid.rect(width = 0.5, height = 0.5)')).status, 'ok');
        await plotCount(r, 2);
        const first = await showsFitted(r, () => r.plots.current()?.plotId, 'the grid plot on screen');
        assert.strictEqual(await save('grid-white.png'), '#ffffff');
        try {
            const redrawn = waitUntil(
                () => {
                    const shown = r.plots.shown();
                    return shown && shown !== first && shown.plotId === first.plotId && fitsView(shown, r) ? shown : undefined;
                },
                [r.plots.onDidShowImage],
                'the plot drawn again on the new background',
                PAGE_LOAD_MS,
            );
            await config.update('plots.background', '#336699', vscode.ConfigurationTarget.Workspace);
            await redrawn;
            assert.strictEqual(await save('grid-blue.png'), '#336699', 'the saved plot has the background set');
            // A base plot keeps the background it was drawn with (R records it with the plot).
            assert.strictEqual(await command('rbridge.plots.previous'), base);
            assert.strictEqual(await save('base-again.png'), '#ffffff');
        } finally {
            await config.update('plots.background', undefined, vscode.ConfigurationTarget.Workspace);
        }
        assert.strictEqual(await command('rbridge.plots.clear', { confirm: false }), 2);
    });

    test('with openOn "never" a new plot leaves the view closed; R: Show Plots opens it on that plot', async () => {
        const config = vscode.workspace.getConfiguration('rbridge');
        await command('rbridge.plots.show');
        assert.ok(r.plots.isOpen());
        // The view is the active editor once shown: closing it closes the panel.
        await command('workbench.action.closeActiveEditor');
        await waitUntil(() => (r.plots.isOpen() ? undefined : true), [r.plots.onDidChange], 'the Plots view closed');
        try {
            await config.update('plots.openOn', 'never', vscode.ConfigurationTarget.Workspace);
            assert.strictEqual((await r.execute('plot(5:1)')).status, 'ok');
            await plotCount(r, 1);
            assert.strictEqual(r.plots.isOpen(), false, 'the view stays closed');
            await command('rbridge.plots.show');
            assert.ok(r.plots.isOpen());
            await showsFitted(r, () => r.plots.current()?.plotId, 'the plot on screen once shown');
        } finally {
            await config.update('plots.openOn', undefined, vscode.ConfigurationTarget.Workspace);
        }
        assert.strictEqual(await command('rbridge.plots.clear', { confirm: false }), 1);
    });

    test('a restart of R empties the view and says why', async () => {
        const result = await r.execute('plot(1:3)');
        assert.strictEqual(result.status, 'ok');
        await waitUntil(() => (r.plots.list().length > 0 ? true : undefined), [r.plots.onDidChange], 'plot(1:3) in the history');
        assert.strictEqual(r.plots.current()?.uri, undefined, 'drawn without a document');
        await command('rbridge.restart');
        await waitUntil(() => (r.plots.list().length === 0 && r.plots.banner() === RESTART_TEXT ? true : undefined), [r.plots.onDidChange], 'the view emptied, saying why');
        await r.kernelReady();
        // A new plot after the restart shows as usual, and the note goes.
        assert.strictEqual((await r.execute('plot(3:1)')).status, 'ok');
        await plotCount(r, 1);
        assert.strictEqual(r.plots.banner(), undefined);
        await showsFitted(r, () => r.plots.current()?.plotId, 'the new plot on screen');
    });
});
