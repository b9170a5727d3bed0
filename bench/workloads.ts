/**
 * The workloads that `npm run bench` (bench/suite.ts) and
 * `npm run bench:peers` (bench/peers/run.ts, for ours and the raw pipe
 * floor) both run, written once so that the two reports measure the same
 * thing the same way:
 *
 * - round trips of `1+1`, one after the other, after a warm-up;
 * - many `1+1` written at once, timed until the last answer;
 * - interrupting a running execution, then running `1+1`;
 * - the same round trips and pipelined lines on the raw pipe floor.
 *
 * Each function checks what it measures (every answer ok, the output `[1] 2`
 * delivered, in the right order where that is checked) and returns the raw
 * times in milliseconds; the callers turn them into figures and reports.
 */
import { performance } from 'perf_hooks';
import type { ExecuteResult, InterruptResult } from '../common/protocol';
import { sleep, withTimeout } from '../test/support/time';
import { Reply, WireClient } from '../test/support/wireClient';
import { FloorProcess, checkOk } from './common';

/** What `1+1` prints. */
export const ONE_PLUS_ONE = '[1] 2\n';

export interface RoundTrips {
    /** Request written → answer read, per measured execution (ms). */
    rtts: number[];
    /** The server's own durationMs per measured execution (exec frame sent to R → done frame read). */
    kernelMs: number[];
    /** Answers that arrived before their output notification. */
    misordered: number;
    /** Executions whose output was not `[1] 2`. */
    wrongText: number;
}

/**
 * `warmup + iterations` round trips of r/execute `1+1`, one after the
 * other; the first `warmup` are not measured. The clock starts just before
 * the request is written and stops when the bytes of the answer have been
 * read: everything in between (server, kernel, both directions of every
 * pipe) is counted. The output notification must arrive before the answer
 * (a client that sees the answer must already have all of the output);
 * misordered answers and wrong output are counted, not thrown.
 * `onMeasuring` is called once, before the first measured execution.
 */
export async function roundTrips(client: WireClient, warmup: number, iterations: number, onMeasuring?: () => void): Promise<RoundTrips> {
    const out: RoundTrips = { rtts: [], kernelMs: [], misordered: 0, wrongText: 0 };
    for (let i = 0; i < warmup + iterations; i++) {
        if (i === warmup) onMeasuring?.();
        const id = `rtt${i}`;
        const t0 = performance.now();
        const reply = await withTimeout(client.executeReply({ code: '1+1', executionId: id }), 10000, `execution ${id}`);
        const result = checkOk(reply, id);
        const output = client.outputs.get(id);
        if (!output || output.firstSeq > reply.seq) out.misordered++;
        if (output?.text !== ONE_PLUS_ONE) out.wrongText++;
        client.outputs.delete(id);
        if (i < warmup) continue;
        out.rtts.push(reply.at - t0);
        out.kernelMs.push(result.durationMs);
    }
    return out;
}

/**
 * `count` r/execute `1+1` framed first and written in one go; resolves with
 * the time (ms) from that write to the arrival of the last answer. Every
 * answer must be ok with the output `[1] 2`, else it throws. `beforeWrite`
 * is called right before the write (to start counters). The output records
 * are cleared afterwards.
 */
export async function pipelined(client: WireClient, count: number, idPrefix: string, beforeWrite?: () => void): Promise<number> {
    const replies: Promise<Reply<ExecuteResult>>[] = [];
    const chunks: Buffer[] = [];
    for (let i = 0; i < count; i++) {
        const { bytes, reply } = client.prepare<ExecuteResult>('r/execute', { code: '1+1', executionId: `${idPrefix}-${i}` });
        chunks.push(bytes);
        replies.push(reply);
    }
    const all = Buffer.concat(chunks);
    beforeWrite?.();
    // Send all, then await all: the clock runs from the single write of
    // every request to the arrival of the last answer.
    const t0 = performance.now();
    client.writeRaw(all);
    const answers = await withTimeout(Promise.all(replies), 120000, `${count} pipelined answers`);
    const last = Math.max(...answers.map((a) => a.at));
    const bad = answers.filter((a, i) => a.error || a.result?.status !== 'ok' || client.outputs.get(`${idPrefix}-${i}`)?.text !== ONE_PLUS_ONE).length;
    client.clearOutputs();
    if (bad) throw new Error(`${bad} of ${count} pipelined executions failed or lost their output`);
    return last - t0;
}

export interface InterruptTiming {
    /** r/interrupt written → the execution's answer (status `interrupted`) read (ms). */
    toAnswer: number;
    /** r/interrupt written → the answer of a following `1+1` read (ms). */
    toNext: number;
}

/**
 * Starts `code` (which must run until interrupted), leaves it running for
 * `runForMs` (a deliberate wait: the interrupt must find R inside the code,
 * not before it), sends r/interrupt and times the interrupted execution's
 * answer, then that of a following `1+1`, which must print `[1] 2` (the
 * session is usable at once). Throws when anything answers otherwise.
 */
export async function interruptOnce(client: WireClient, code: string, id: string, runForMs = 300): Promise<InterruptTiming> {
    const execution = client.executeReply({ code, executionId: id });
    await sleep(runForMs);
    const t0 = performance.now();
    const answer = await withTimeout(client.request<InterruptResult>('r/interrupt', {}), 5000, 'r/interrupt');
    if (answer.error || !answer.result?.interrupted) throw new Error(`r/interrupt answered ${JSON.stringify(answer)}`);
    const reply = await withTimeout(execution, 10000, `answer of interrupted \`${code}\``);
    if (reply.result?.status !== 'interrupted') throw new Error(`\`${code}\` ended with ${JSON.stringify(reply.result ?? reply.error)}`);
    const next = await withTimeout(client.executeReply({ code: '1+1', executionId: `${id}-next` }), 10000, '1+1 after the interrupt');
    checkOk(next, '1+1 after the interrupt');
    if (client.outputs.get(`${id}-next`)?.text !== ONE_PLUS_ONE) throw new Error('1+1 after the interrupt printed the wrong text');
    client.outputs.delete(id);
    client.outputs.delete(`${id}-next`);
    return { toAnswer: reply.at - t0, toNext: next.at - t0 };
}

/**
 * `warmup + iterations` round trips of `1+1` through the raw pipe floor
 * (bench/floor.R): line written → its sentinel read (ms), warm-up not
 * returned. Throws when the loop did not print `[1] 2`.
 */
export async function floorRoundTrips(floor: FloorProcess, warmup: number, iterations: number): Promise<number[]> {
    const rtts: number[] = [];
    for (let i = 0; i < warmup + iterations; i++) {
        const t0 = performance.now();
        floor.write('1+1\n');
        const at = await floor.until(floor.sentinels + 1, 5000);
        if (i >= warmup) rtts.push(at - t0);
    }
    if (!floor.text.startsWith(ONE_PLUS_ONE)) throw new Error(`the floor loop printed ${JSON.stringify(floor.text.slice(0, 40))} for 1+1`);
    return rtts;
}

/** `count` lines `1+1` written to the raw pipe floor at once; resolves with the time (ms) until the last sentinel was read. */
export async function floorPipelined(floor: FloorProcess, count: number): Promise<number> {
    const target = floor.sentinels + count;
    const t0 = performance.now();
    floor.write('1+1\n'.repeat(count));
    const at = await floor.until(target, 60000);
    return at - t0;
}
