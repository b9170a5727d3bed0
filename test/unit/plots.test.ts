/**
 * The server's side of plots (server/src/session/plots.ts) without R: the
 * kernel's plot numbers turned into the server's ids (never reused after a
 * restart), updates, the history's changes, the settings sent to each new
 * kernel, and the errors for plots it no longer has.
 */
import * as assert from 'assert';
import type { PlotParams, PlotsChangedParams } from '../../common/protocol';
import type { FromKernel } from '../../server/src/kernel/wire';
import type { RequestOptions } from '../../server/src/session/executions';
import { Plots } from '../../server/src/session/plots';

function harness() {
    const sent: { method: string; params: unknown; options?: RequestOptions }[] = [];
    const plots: PlotParams[] = [];
    const changes: PlotsChangedParams[] = [];
    const answers: Record<string, unknown> = {};
    let running = true;
    const subject = new Plots({
        request: async (method, params, _token, options) => {
            sent.push({ method, params, options });
            return answers[method] ?? null;
        },
        requireKernel: () => {
            if (!running) throw new Error('R is not running');
        },
        origin: (seq, line) => (seq === 7 ? { executionId: 'e7', line, uri: 'file:///a.R' } : { executionId: null }),
        plot: (p) => plots.push(p),
        plotsChanged: (p) => changes.push(p),
        log: () => undefined,
    });
    const frame = (plotId: number, change: 'new' | 'update', png = Buffer.alloc(0)): FromKernel => ({
        kind: 'plot',
        id: 7,
        plotId,
        change,
        line: 2,
        width: 40,
        height: 30,
        pixelRatio: 2,
        png,
    });
    return { subject, sent, plots, changes, answers, frame, setRunning: (r: boolean) => (running = r) };
}

describe('plots (server, no R)', () => {
    it('announces plots with their origin and the picture as base64', () => {
        const h = harness();
        h.subject.kernelReady();
        assert.ok(h.subject.onMessage(h.frame(1, 'new', Buffer.from('PNGDATA'))));
        assert.ok(h.subject.onMessage(h.frame(1, 'update')));
        assert.deepStrictEqual(h.plots[0], {
            plotId: '1',
            executionId: 'e7',
            line: 2,
            uri: 'file:///a.R',
            kind: 'new',
            image: { format: 'png', mimeType: 'image/png', data: Buffer.from('PNGDATA').toString('base64'), width: 40, height: 30, pixelRatio: 2 },
        });
        assert.strictEqual(h.plots[1].plotId, '1');
        assert.strictEqual(h.plots[1].image, undefined);
        assert.deepStrictEqual(h.subject.list().plots.map((p) => p.plotId), ['1']);
        assert.strictEqual(h.subject.onMessage({ kind: 'log', text: 'x' }), false);
    });

    it('never reuses an id after a restart, and says the old plots are gone', async () => {
        const h = harness();
        h.subject.kernelReady();
        h.subject.onMessage(h.frame(1, 'new'));
        h.subject.onMessage(h.frame(2, 'new'));
        h.subject.kernelGone();
        assert.deepStrictEqual(h.changes, [{ removed: ['1', '2'], reason: 'restart' }]);
        h.subject.kernelGone();
        assert.strictEqual(h.changes.length, 1, 'nothing more to say');
        h.subject.kernelReady();
        h.subject.onMessage(h.frame(1, 'new'));
        assert.strictEqual(h.plots[2].plotId, '3');
        await assert.rejects(h.subject.render({ plotId: '1', width: 10, height: 10, format: 'png' }), /plot 1 is no longer kept/);
        await assert.rejects(h.subject.render({ plotId: '9', width: 10, height: 10, format: 'png' }), /there is no plot '9'/);
        h.answers['plots/render'] = { format: 'png', mimeType: 'image/png', width: 10, height: 10, pixelRatio: 1, data: 'x' };
        const result = await h.subject.render({ plotId: '3', width: 10, height: 10, format: 'png' });
        assert.strictEqual(result.plotId, '3');
        assert.deepStrictEqual(h.sent.at(-1)?.params, { plotId: 1, width: 10, height: 10, pixelRatio: 1, format: 'png', background: undefined });
    });

    it('drops plots the caps dropped, removes and clears, and passes the device notice on', async () => {
        const h = harness();
        h.subject.kernelReady();
        for (const n of [1, 2, 3, 4]) h.subject.onMessage(h.frame(n, 'new'));
        h.subject.onMessage({ kind: 'plots', id: 7, reason: 'capped', plotIds: [1], message: '' });
        assert.deepStrictEqual(await h.subject.remove({ plotId: '2' }), { removed: true });
        assert.deepStrictEqual(await h.subject.remove({ plotId: '2' }), { removed: false });
        assert.deepStrictEqual(await h.subject.clear(), { removed: 2 });
        h.subject.onMessage({ kind: 'plots', id: 7, reason: 'device', plotIds: [], message: 'changed' });
        assert.deepStrictEqual(
            h.changes.map((c) => `${c.reason} ${c.removed.join(',')}`),
            ['capped 1', 'removed 2', 'cleared 3,4', 'device '],
        );
        assert.strictEqual(h.changes.at(-1)?.message, 'changed');
        assert.deepStrictEqual(h.subject.list().plots, []);
    });

    it('keeps the view settings, and sends them first to every new kernel', () => {
        const h = harness();
        h.subject.setSettings({ width: 300, height: 200, pixelRatio: 2 });
        assert.strictEqual(h.sent.length, 0, 'no kernel yet: only kept');
        h.subject.kernelReady();
        h.subject.setSettings({ width: 320, height: 200 });
        h.subject.kernelGone();
        h.subject.kernelReady();
        assert.deepStrictEqual(
            h.sent.map((s) => [s.method, (s.params as { width: number }).width, s.options?.first, s.options?.supersede]),
            [
                ['plots/settings', 300, true, true],
                ['plots/settings', 320, false, true],
                ['plots/settings', 320, true, true],
            ],
        );
    });
});
