/**
 * Soak: 100,000 tiny executions, pipelined in groups, in ten batches of
 * 10,000, after a warm-up batch of 10,000. Between batches, 200 round
 * trips of `1+1` one at a time measure the latency without queueing. The figures are printed; the test fails
 * when the session drifts: the median pipelined latency of the last two
 * batches more than 1.5 times that of the first two, the same for the
 * unqueued round trip (the last five sets against the first five), or the
 * server or R growing by 30 MB or more.
 */
import * as assert from 'assert';
import type { ExecuteResult } from '../../common/protocol';
import { cpuTicks, memoryOf, otherLoad } from '../support/procs';
import { WireClient, Reply } from '../support/wireClient';
import { armSuiteDeadline, report } from './harness';
import { fmt, median, percentile } from '../support/stats';

const TOTAL = 100_000;
const BATCH = 10_000;
/** Executions written before waiting for their answers. */
const GROUP = 500;
const ROUND_TRIPS = 200;
const MAX_DRIFT = 1.5;
const MAX_GROWTH_MB = 30;

/** Tiny executions of a few kinds: a printed value, an assignment (a changed symbol), an invisible value, output. */
function code(i: number): string {
    switch (i % 4) {
        case 0:
            return `${i} + 1`;
        case 1:
            return `x <- ${i}`;
        case 2:
            return `invisible(${i})`;
        default:
            return `cat("")`;
    }
}

describe('stress: soak of 100,000 tiny executions', function () {
    this.timeout(300_000);
    let client: WireClient | undefined;
    before(() => armSuiteDeadline());
    after(async () => {
        await client?.stop();
    });

    it('keeps latency and memory flat', async () => {
        const c = (client = await WireClient.start());
        const rPid = c.kernelPid!;
        const mb = (kb: number | undefined) => (kb ?? NaN) / 1024;
        const atSpawn = { server: mb(memoryOf(c.pid)?.rssKb), r: mb(memoryOf(rPid)?.rssKb) };

        const roundTrips = async (): Promise<number[]> => {
            const times: number[] = [];
            for (let i = 0; i < ROUND_TRIPS; i++) {
                const t0 = performance.now();
                const reply = await c.within(c.request<ExecuteResult>('r/execute', { code: '1+1' }), 10000, '1+1');
                times.push(reply.at - t0);
                assert.strictEqual(reply.result?.status, 'ok');
            }
            return times;
        };

        let sent = 0;
        const runBatch = async (n: number) => {
            const latencies: number[] = [];
            const t0 = performance.now();
            const cpu0 = cpuTicks([process.pid, c.pid, rPid]);
            for (let done = 0; done < n; done += GROUP) {
                const group: { t: number; reply: Promise<Reply<ExecuteResult>> }[] = [];
                for (let i = 0; i < GROUP && done + i < n; i++) {
                    group.push({ t: performance.now(), reply: c.request<ExecuteResult>('r/execute', { code: code(sent++) }) });
                }
                const replies = await c.within(Promise.all(group.map((g) => g.reply)), 60000, `a group of ${GROUP} executions`);
                replies.forEach((r, i) => {
                    assert.strictEqual(r.result?.status, 'ok', JSON.stringify(r));
                    latencies.push(r.at - group[i].t);
                });
            }
            const seconds = (performance.now() - t0) / 1000;
            const others = otherLoad(cpu0, cpuTicks([process.pid, c.pid, rPid]), seconds * 1000);
            return { seconds, rate: n / seconds, median: median(latencies), p99: percentile(latencies, 99), others };
        };

        // Warm-up: V8 sizes the server's heap during the first several
        // thousand executions (RSS settles after about 10,000), so "start"
        // is a running session, and growth after it would be a leak.
        const warmUp = await runBatch(BATCH);
        report(`warm-up batch of ${fmt(BATCH)}: ${fmt(warmUp.rate)} executions/s; RSS server ${fmt(mb(memoryOf(c.pid)?.rssKb))} MiB, R ${fmt(mb(memoryOf(rPid)?.rssKb))} MiB`);
        const start = { server: mb(memoryOf(c.pid)?.rssKb), r: mb(memoryOf(rPid)?.rssKb) };
        const batches: Awaited<ReturnType<typeof runBatch>>[] = [];
        // Round trips measured after the warm-up and after each batch.
        const roundTripsAfter: number[][] = [await roundTrips()];
        for (let b = 0; b < TOTAL / BATCH; b++) {
            batches.push(await runBatch(BATCH));
            roundTripsAfter.push(await roundTrips());
            const last = batches[batches.length - 1];
            report(
                `batch ${b + 1}: ${fmt(last.rate)} executions/s (${fmt(last.seconds)} s, other processes used ${fmt(last.others * 100, 2)}% of the machine), pipelined latency median ${fmt(last.median)} ms p99 ${fmt(last.p99)} ms; then 1+1 one at a time: median ${fmt(median(roundTripsAfter[b + 1]))} ms; RSS server ${fmt(mb(memoryOf(c.pid)?.rssKb))} MiB, R ${fmt(mb(memoryOf(rPid)?.rssKb))} MiB`,
            );
        }
        // One set of 200 unqueued round trips varies between about 0.3 and
        // 0.6 ms from one batch to the next on a shared machine, with no
        // trend; start and end are therefore the first and the last five
        // sets pooled (1,000 round trips each).
        const end = { server: mb(memoryOf(c.pid)?.rssKb), r: mb(memoryOf(rPid)?.rssKb) };
        const startRoundTrip = median(roundTripsAfter.slice(0, 5).flat());
        const endRoundTrip = median(roundTripsAfter.slice(-5).flat());
        // Start and end are two batches each: the machine is shared, and one
        // batch slowed by someone else's work is noise, not drift.
        const startMedian = (batches[0].median + batches[1].median) / 2;
        const endMedian = (batches[batches.length - 2].median + batches[batches.length - 1].median) / 2;

        report(`RSS at spawn: server ${fmt(atSpawn.server)} MiB, R ${fmt(atSpawn.r)} MiB`);
        report(`RSS start → end: server ${fmt(start.server)} → ${fmt(end.server)} MiB (${fmt(end.server - start.server)}), R ${fmt(start.r)} → ${fmt(end.r)} MiB (${fmt(end.r - start.r)})`);
        report(`1+1 round trip median (1,000 each): start ${fmt(startRoundTrip)} ms, end ${fmt(endRoundTrip)} ms`);
        report(`pipelined latency median, batches 1-2 → 9-10: ${fmt(startMedian)} → ${fmt(endMedian)} ms; batch time ${fmt(batches[0].seconds)}, ${fmt(batches[1].seconds)} → ${fmt(batches[batches.length - 2].seconds)}, ${fmt(batches[batches.length - 1].seconds)} s`);

        assert.strictEqual(c.kernelPid, rPid, 'R was restarted during the soak');
        const books = c.accounting();
        assert.deepStrictEqual(books.duplicates, []);
        assert.deepStrictEqual(books.unanswered, []);
        assert.ok(endRoundTrip <= startRoundTrip * MAX_DRIFT, `1+1 round trip drifted from ${fmt(startRoundTrip)} to ${fmt(endRoundTrip)} ms`);
        assert.ok(endMedian <= startMedian * MAX_DRIFT, `pipelined latency drifted from ${fmt(startMedian)} to ${fmt(endMedian)} ms`);
        assert.ok(end.server - start.server < MAX_GROWTH_MB, `the server grew by ${fmt(end.server - start.server)} MiB`);
        assert.ok(end.r - start.r < MAX_GROWTH_MB, `R grew by ${fmt(end.r - start.r)} MiB`);
    });
});
