/**
 * Plots (r/plot, r/plotSettings, r/renderPlot, r/plots, r/removePlot,
 * r/clearPlots, r/plotsChanged) with real R: base graphics, grid, lattice
 * and ggplot2 captured; additions to a page; several pages in one
 * execution; the user's own devices; pictures checked by decoding their
 * headers; the history's caps; restart; interrupts; bad input.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { PlotParams, PlotsChangedParams, PlotsResult, RenderPlotResult } from '../../common/protocol';
import { clientsPerTest, WireClient } from '../support/wireClient';

const KEEP = ['r/plot', 'r/plotsChanged', 'r/output'];

/** Width and height of a PNG, from its IHDR chunk. */
export function pngSize(data: Buffer): { width: number; height: number } {
    assert.strictEqual(data.subarray(1, 4).toString('latin1'), 'PNG', 'not a PNG');
    return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

function plotsOf(client: WireClient): PlotParams[] {
    return client.notifications.filter((n) => n.method === 'r/plot').map((n) => n.params as PlotParams);
}

function changesOf(client: WireClient): PlotsChangedParams[] {
    return client.notifications.filter((n) => n.method === 'r/plotsChanged').map((n) => n.params as PlotsChangedParams);
}

async function render(client: WireClient, params: Record<string, unknown>): Promise<RenderPlotResult> {
    const reply = await client.request<RenderPlotResult>('r/renderPlot', params);
    assert.ok(reply.result, `r/renderPlot ${JSON.stringify(params)} failed: ${JSON.stringify(reply.error)}`);
    return reply.result;
}

describe('plots (real R)', function () {
    this.timeout(90000);
    let dir: string;
    const start = clientsPerTest({ keep: KEEP });

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-plots-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('announces a base plot with a picture at the view size, where the code came from, and writes no file', async () => {
        const client = await start({ init: { cwd: dir } });
        client.notify('r/plotSettings', { width: 400, height: 300, pixelRatio: 2 });
        const range = { start: { line: 9, character: 0 }, end: { line: 10, character: 10 } };
        const reply = await client.executeReply({ code: 'x <- 1:10\nplot(x)', uri: 'file:///w/a.R', range });
        const result = reply.result!;
        assert.strictEqual(result.status, 'ok');
        const [plot, ...more] = plotsOf(client);
        assert.strictEqual(more.length, 0, JSON.stringify(more));
        assert.strictEqual(plot.kind, 'new');
        assert.strictEqual(plot.executionId, result.executionId);
        assert.strictEqual(plot.line, 2);
        assert.strictEqual(plot.uri, 'file:///w/a.R');
        assert.deepStrictEqual(plot.range, { start: { line: 10, character: 0 }, end: { line: 10, character: 7 } });
        assert.ok(plot.image, 'the first picture comes with the plot');
        assert.strictEqual(plot.image.mimeType, 'image/png');
        assert.deepStrictEqual(pngSize(Buffer.from(plot.image.data, 'base64')), { width: 800, height: 600 });
        // The notification came before the answer.
        assert.ok(client.notifications.find((n) => n.method === 'r/plot')!.seq < reply.seq, 'r/plot before the answer');
        const list = (await client.request<PlotsResult>('r/plots', {})).result!;
        assert.deepStrictEqual(list.plots.map((p) => p.plotId), [plot.plotId]);
        await client.execute('dev.off()');
        assert.deepStrictEqual(fs.readdirSync(dir), [], 'nothing is written into the working directory');
    });

    it('sends an update when drawing adds to the page, and nothing for code that draws nothing', async () => {
        const client = await start();
        await client.execute('plot(1:10)');
        await client.execute('abline(h = 5); points(3, 3, col = "red")');
        await client.execute('y <- 2; print(y)');
        await client.execute('lines(1:10, 10:1)');
        const plots = plotsOf(client);
        assert.deepStrictEqual(plots.map((p) => `${p.plotId} ${p.kind}`), ['1 new', '1 update', '1 update']);
        // No r/plotSettings: no picture came, the client asks for one.
        assert.strictEqual(plots[0].image, undefined);
        const png = await render(client, { plotId: '1', width: 300, height: 200, format: 'png' });
        assert.deepStrictEqual(pngSize(Buffer.from(png.data, 'base64')), { width: 300, height: 200 });
    });

    it('makes each page a plot: several pages in one execution, par(mfrow) as one page, no question asked', async () => {
        const client = await start();
        const lm = await client.execute('fit <- lm(mpg ~ wt, data = mtcars); plot(fit)');
        assert.strictEqual(lm.status, 'ok');
        assert.deepStrictEqual(plotsOf(client).map((p) => p.kind), ['new', 'new', 'new', 'new']);
        assert.ok(plotsOf(client).every((p) => p.executionId === lm.executionId));
        await client.execute('op <- par(mfrow = c(2, 2)); for (i in 1:4) plot(i); par(op)');
        assert.strictEqual(plotsOf(client).filter((p) => p.kind === 'new').length, 5);
        const list = (await client.request<PlotsResult>('r/plots', {})).result!;
        assert.deepStrictEqual(list.plots.map((p) => p.plotId), ['1', '2', '3', '4', '5']);
    });

    it('captures grid, lattice and ggplot2 (printed at top level and by autoprint)', async () => {
        const client = await start();
        await client.execute('library(grid); grid.newpage(); grid.rect(gp = gpar(fill = "red"))');
        await client.execute('print(lattice::xyplot(mpg ~ wt, data = mtcars))');
        await client.execute('library(ggplot2)\nggplot(mtcars, aes(wt, mpg)) + geom_point()');
        await client.execute('p <- ggplot(mtcars, aes(hp)) + geom_histogram(bins = 10); print(p)');
        const news = plotsOf(client).filter((p) => p.kind === 'new');
        assert.strictEqual(news.length, 4, JSON.stringify(plotsOf(client)));
        for (const plot of news) {
            const png = await render(client, { plotId: plot.plotId, width: 320, height: 240, pixelRatio: 1.5, format: 'png' });
            assert.deepStrictEqual(pngSize(Buffer.from(png.data, 'base64')), { width: 480, height: 360 });
        }
    });

    it("leaves the user's own devices alone: png() writes its file, and the next plot still comes", async () => {
        const client = await start({ init: { cwd: dir } });
        await client.execute('plot(1)');
        const own = await client.execute('png("mine.png", width = 400, height = 300); plot(1:3); invisible(dev.off())');
        assert.strictEqual(own.status, 'ok', JSON.stringify(own));
        assert.deepStrictEqual(pngSize(fs.readFileSync(path.join(dir, 'mine.png'))), { width: 400, height: 300 });
        await client.execute('pdf("mine.pdf"); plot(2); invisible(dev.off())');
        assert.ok(fs.readFileSync(path.join(dir, 'mine.pdf')).subarray(0, 5).toString() === '%PDF-');
        assert.strictEqual(plotsOf(client).length, 1, 'plots on the user’s devices are not ours');
        // Our device is closed by user code, then everything is: the next plot opens a new one.
        await client.execute('dev.off()');
        await client.execute('plot(3)');
        await client.execute('graphics.off(); hist(rnorm(100))');
        assert.deepStrictEqual(plotsOf(client).map((p) => `${p.plotId} ${p.kind}`), ['1 new', '2 new', '3 new']);
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['mine.pdf', 'mine.png']);
    });

    it('says so when user code sets options(device) to another device', async () => {
        const client = await start({ init: { cwd: dir } });
        await client.execute('options(device = function(...) pdf(file.path(tempdir(), "other.pdf"))); plot(1)');
        const [change] = changesOf(client);
        assert.strictEqual(change?.reason, 'device', JSON.stringify(changesOf(client)));
        assert.match(change.message ?? '', /options\(device\)/);
        await client.execute('plot(2)');
        assert.strictEqual(changesOf(client).length, 1, 'said once');
        assert.match(change.message ?? '', /options\(device = getOption\("rbridge.device"\)\)/);
        await client.execute('graphics.off(); options(device = getOption("rbridge.device")); plot(3)');
        assert.strictEqual(plotsOf(client).length, 1);
    });

    it('renders PNG at a pixel ratio, SVG and PDF, each checked by its header', async () => {
        const client = await start();
        await client.execute('hist(rnorm(1e4))');
        const png = await render(client, { plotId: '1', width: 800, height: 600, pixelRatio: 2, format: 'png' });
        assert.deepStrictEqual(pngSize(Buffer.from(png.data, 'base64')), { width: 1600, height: 1200 });
        assert.strictEqual(png.pixelRatio, 2);
        const svg = await render(client, { plotId: '1', width: 800, height: 600, format: 'svg' });
        assert.strictEqual(svg.mimeType, 'image/svg+xml');
        const text = Buffer.from(svg.data, 'base64').toString('utf8');
        assert.match(text, /<svg[^>]*class='svglite'/, 'svglite draws the SVG when it is installed');
        assert.match(text, /width='600\.00pt'/);
        const pdf = await render(client, { plotId: '1', width: 800, height: 600, format: 'pdf' });
        assert.strictEqual(Buffer.from(pdf.data, 'base64').subarray(0, 5).toString(), '%PDF-');
    });

    it('renders SVG with R’s own svg() when svglite is not installed', async () => {
        // A library holding only jsonlite: svglite (and ggplot2) are not there.
        const lib = path.join(dir, 'lib');
        fs.mkdirSync(lib);
        const jsonlite = (await import('child_process')).execFileSync('Rscript', ['-e', 'cat(find.package("jsonlite"))']).toString();
        fs.symlinkSync(jsonlite, path.join(lib, 'jsonlite'));
        const client = await start({ init: { env: { R_LIBS_SITE: lib, R_LIBS_USER: lib } } });
        const check = await client.execute('stopifnot(!requireNamespace("svglite", quietly = TRUE)); plot(1:3)');
        assert.strictEqual(check.status, 'ok', JSON.stringify(check));
        const svg = await render(client, { plotId: '1', width: 400, height: 300, format: 'svg' });
        const text = Buffer.from(svg.data, 'base64').toString('utf8');
        assert.match(text, /<svg/);
        assert.doesNotMatch(text, /svglite/);
    });

    it('answers bad renders with clear errors and keeps R, the kernel and the history', async () => {
        const client = await start();
        await client.execute('plot(1:10, main = "a title")');
        const tiny = await client.request('r/renderPlot', { plotId: '1', width: 10, height: 10, format: 'png' });
        assert.strictEqual(tiny.error?.code, -32603);
        assert.match(tiny.error!.message, /could not be drawn at 10×10/);
        const unknown = await client.request('r/renderPlot', { plotId: '42', width: 100, height: 100, format: 'png' });
        assert.strictEqual(unknown.error?.code, -32602);
        assert.match(unknown.error!.message, /no plot '42'/);
        const format = await client.request('r/renderPlot', { plotId: '1', width: 100, height: 100, format: 'gif' });
        assert.strictEqual(format.error?.code, -32602);
        assert.match(format.error!.message, /'format' must be 'png', 'svg' or 'pdf'/);
        const huge = await client.request('r/renderPlot', { plotId: '1', width: 1e6, height: 100, format: 'png' });
        assert.strictEqual(huge.error?.code, -32602);
        // A recording that fails to replay: a grid grob that draws once, then fails.
        await client.execute(
            'library(grid)\nmakeContent.flaky <- function(x) if (isTRUE(getOption("flaky"))) stop("the grob broke") else x\n' +
                'grid.newpage(); grid.draw(gTree(children = gList(rectGrob()), cl = "flaky")); options(flaky = TRUE)',
        );
        const broken = await client.request('r/renderPlot', { plotId: '2', width: 300, height: 300, format: 'png' });
        assert.strictEqual(broken.error?.code, -32603, JSON.stringify(broken));
        assert.match(broken.error!.message, /the grob broke/);
        // Everything is still there.
        assert.strictEqual((await client.execute('options(flaky = FALSE); stopifnot(dev.cur() == 2)')).status, 'ok');
        const fine = await render(client, { plotId: '1', width: 300, height: 300, format: 'png' });
        assert.deepStrictEqual(pngSize(Buffer.from(fine.data, 'base64')), { width: 300, height: 300 });
        assert.strictEqual((await client.request<PlotsResult>('r/plots', {})).result!.plots.length, 2);
    });

    it('caps the history by count and by bytes, oldest first', async () => {
        const client = await start();
        await client.execute('options(rbridge.plots.maxCount = 5); for (i in 1:8) plot(i)');
        const capped = changesOf(client).filter((c) => c.reason === 'capped');
        assert.deepStrictEqual(capped.flatMap((c) => c.removed), ['1', '2', '3']);
        assert.deepStrictEqual((await client.request<PlotsResult>('r/plots', {})).result!.plots.map((p) => p.plotId), ['4', '5', '6', '7', '8']);
        // A 200,000-point scatter is recorded in a few MB: a cap of 5 MB keeps one.
        await client.execute('options(rbridge.plots.maxBytes = 5e6); for (i in 1:2) plot(rnorm(2e5), rnorm(2e5), pch = ".")');
        assert.deepStrictEqual((await client.request<PlotsResult>('r/plots', {})).result!.plots.map((p) => p.plotId), ['10']);
        const removed = await client.request('r/renderPlot', { plotId: '4', width: 100, height: 100, format: 'png' });
        assert.match(removed.error?.message ?? '', /no longer kept/);
    });

    it('removes and clears plots', async () => {
        const client = await start();
        await client.execute('for (i in 1:3) plot(i)');
        assert.deepStrictEqual((await client.request('r/removePlot', { plotId: '2' })).result, { removed: true });
        assert.deepStrictEqual((await client.request('r/removePlot', { plotId: '2' })).result, { removed: false });
        assert.deepStrictEqual((await client.request<PlotsResult>('r/plots', {})).result!.plots.map((p) => p.plotId), ['1', '3']);
        assert.deepStrictEqual((await client.request('r/clearPlots', {})).result, { removed: 2 });
        assert.deepStrictEqual(changesOf(client).map((c) => `${c.reason} ${c.removed.join(',')}`), ['removed 2', 'cleared 1,3']);
        assert.deepStrictEqual((await client.request<PlotsResult>('r/plots', {})).result!.plots, []);
        // The page shown before the clear comes back only when drawing adds to it.
        await client.execute('x <- 1');
        await client.execute('plot(10:1)');
        assert.deepStrictEqual(plotsOf(client).slice(3).map((p) => `${p.plotId} ${p.kind}`), ['4 new']);
        await client.request('r/clearPlots', {});
        await client.execute('abline(h = 2)');
        assert.deepStrictEqual(plotsOf(client).slice(4).map((p) => `${p.plotId} ${p.kind}`), ['5 new']);
    });

    it('forgets the plots on restart, and a new R takes the view settings again', async () => {
        const client = await start();
        client.notify('r/plotSettings', { width: 300, height: 240 });
        await client.execute('plot(1)');
        await client.request('r/restart', {});
        assert.deepStrictEqual(changesOf(client).map((c) => `${c.reason} ${c.removed.join(',')}`), ['restart 1']);
        const gone = await client.request('r/renderPlot', { plotId: '1', width: 100, height: 100, format: 'png' });
        assert.match(gone.error?.message ?? '', /no longer kept \(it was removed, or R was restarted\)/);
        await client.execute('plot(2)');
        const plot = plotsOf(client).slice(-1)[0];
        assert.strictEqual(plot.plotId, '2', 'ids are not reused');
        assert.deepStrictEqual(pngSize(Buffer.from(plot.image!.data, 'base64')), { width: 300, height: 240 });
    });

    it('keeps the page when an execution that draws is interrupted, and the next plot comes', async () => {
        const client = await start();
        const running = client.executeReply({ code: 'plot(0:1, 0:1, type = "n")\nrepeat points(runif(1), runif(1))' });
        await client.waitFor(() => client.lastStatus()?.state === 'busy', 10000, 'the execution to start');
        await new Promise((resolve) => setTimeout(resolve, 600));
        await client.request('r/interrupt', {});
        assert.strictEqual((await running).result?.status, 'interrupted');
        assert.deepStrictEqual(plotsOf(client).map((p) => p.kind), ['new']);
        assert.strictEqual((await client.execute('plot(2)')).status, 'ok');
        assert.deepStrictEqual(plotsOf(client).map((p) => `${p.plotId} ${p.kind}`), ['1 new', '2 new']);
        await render(client, { plotId: '1', width: 200, height: 200, format: 'png' });
    });

    it('refuses bad r/plotSettings without harm', async () => {
        const client = await start();
        client.notify('r/plotSettings', { width: -3, height: 'x' });
        client.notify('r/plotSettings', { width: 300, height: 200, background: 'not a colour' });
        client.notify('r/plotSettings', []);
        assert.strictEqual((await client.execute('plot(1)')).status, 'ok');
        assert.strictEqual(plotsOf(client)[0].image, undefined);
        assert.ok(client.logs.some((l) => /r\/plotSettings: 'width' must be from 1/.test(l)), client.logs.join('\n'));
    });
});
