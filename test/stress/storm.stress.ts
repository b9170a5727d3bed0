/**
 * A random storm of 2,000 operations from two concurrent producers on the
 * one connection a server has (two logical client streams): executions,
 * cancellations, interrupts, restarts, variables and status requests,
 * interleaved at random moments. No deadlock (everything is answered
 * before a deadline), every request answered exactly once, executions run
 * in the order they were sent, and the session ends consistent.
 */
import * as assert from 'assert';
import type { ExecuteResult, ExecutionStateParams, InterruptResult, StatusResult } from '../../common/protocol';
import { KernelNotRunningError, KernelStartFailedError } from '../../common/protocol';
import { childrenOf, whatIsItDoing } from '../support/procs';
import { Id, WireClient, Reply } from '../support/wireClient';
import { armSuiteDeadline, pause, Random, report, seedFor } from './harness';
import { fmt } from '../support/stats';

const OPERATIONS = 2000;
const PRODUCERS = 2;
/** A producer waits while this many of its executions are unanswered, so the queue stays realistic. */
const MAX_OUTSTANDING = 60;

type Op = 'execute' | 'cancel' | 'interrupt' | 'restart' | 'variables' | 'status';
const WEIGHTS: [Op, number][] = [
    ['execute', 55],
    ['cancel', 10],
    ['interrupt', 4],
    // A restart takes R's start-up time (a few hundred ms) and cancels the
    // queue; more often than this and the kernel would hardly ever run.
    ['restart', 0.4],
    ['variables', 14],
    ['status', 16.6],
];

function pickOp(rng: Random): Op {
    let r = rng.next() * 100;
    for (const [op, w] of WEIGHTS) {
        if ((r -= w) < 0) return op;
    }
    return 'status';
}

const CODES = [
    (i: number) => `${i}`,
    (i: number) => `x${i % 7} <- ${i}`,
    (i: number) => `Sys.sleep(${(i % 5) / 200})`,
    (i: number) => `cat("${i}\\n"); message("m${i}")`,
    (i: number) => `stop("e${i}")`,
    (i: number) => `warning("w${i}"); ${i}`,
    (i: number) => `for (j in 1:${(i % 4) * 5000}) NULL`,
    // Console input: the client answers r/input at once (see WireClient).
    (i: number) => `readline("p${i}> ")`,
    (i: number) => `l${i % 3} <- as.list(1:${i % 50})`,
];

describe('stress: random storm from two concurrent client streams', function () {
    this.timeout(240_000);
    let client: WireClient | undefined;
    before(() => armSuiteDeadline());
    after(async () => {
        await client?.stop();
    });

    it(`answers all of ${OPERATIONS} mixed operations exactly once, without deadlock, and ends consistent`, async () => {
        const rng = seedFor('storm');
        const c = (client = await WireClient.start());
        c.traceLimit = Number(process.env.STRESS_TRACE) || 0;
        const started: string[] = [];
        c.on('r/executionState', (p) => {
            const s = p as ExecutionStateParams;
            if (s.state === 'running') started.push(s.executionId);
        });
        const order = new Map<string, number>();
        const codes = new Map<string, string>();
        /** For a failure: what the server thinks is running, and what R is actually doing. */
        const diagnosis = (): string => {
            const running = started[started.length - 1];
            // STRESS_TRACE=<n> keeps the last n messages of the wire for this report.
            const trace = c.trace.length ? `\nlast messages:\n${c.trace.join('\n')}` : '';
            return `the server's running execution: ${running} (${JSON.stringify(codes.get(running))}); ${whatIsItDoing(c.kernelPid)}${trace}`;
        };
        const replies: { op: Op; reply: Promise<Reply> }[] = [];
        const counts = new Map<Op, number>();
        let sentExecutions = 0;

        const producer = async (name: string, ops: number) => {
            const mine: { id: Id; executionId: string; reply: Promise<Reply> }[] = [];
            for (let n = 0; n < ops; n++) {
                const op = pickOp(rng);
                counts.set(op, (counts.get(op) ?? 0) + 1);
                let reply: Promise<Reply> | undefined;
                switch (op) {
                    case 'execute': {
                        const executionId = `${name}-${n}`;
                        order.set(executionId, sentExecutions++);
                        const id = c.newId();
                        const code = rng.pick(CODES)(n);
                        codes.set(executionId, code);
                        reply = c.request('r/execute', { code, executionId, stopOnError: rng.chance(0.8) }, id);
                        mine.push({ id, executionId, reply });
                        break;
                    }
                    case 'cancel': {
                        // Usually one of this stream's own executions, sometimes
                        // one long answered or an id that never existed.
                        const target = mine.length && rng.chance(0.9) ? rng.pick(mine.slice(-10)).id : rng.int(1, 1e6);
                        c.cancel(target);
                        break;
                    }
                    case 'interrupt':
                        reply = c.request('r/interrupt', rng.chance(0.7) ? { keepQueue: rng.chance(0.7) } : {});
                        break;
                    case 'restart':
                        reply = c.request('r/restart', {});
                        break;
                    case 'variables':
                        reply = c.request(
                            'r/variables',
                            rng.pick([{}, { start: 1, count: 2 }, { path: ['l1'] }, { path: [`x${rng.int(0, 6)}`] }, { refresh: true }, { path: ['nope'] }]),
                        );
                        break;
                    case 'status':
                        reply = c.request('r/status', {});
                        break;
                }
                if (reply) replies.push({ op, reply });
                // Some operations wait for their answer, most do not.
                if (reply && rng.chance(0.05)) await c.within(reply, 30000, `the answer to ${op}`).catch((e: Error) => Promise.reject(new Error(`${e.message}; ${diagnosis()}`)));
                const outstanding = mine.filter((m) => c.answerCount(m.id) === 0);
                if (outstanding.length > MAX_OUTSTANDING) {
                    await c.within(outstanding[0].reply, 30000, 'the oldest outstanding execution').catch((e: Error) => Promise.reject(new Error(`${e.message}; ${diagnosis()}`)));
                }
                if (rng.chance(0.3)) await pause(rng.int(0, 3));
            }
        };

        const t0 = performance.now();
        await Promise.all(Array.from({ length: PRODUCERS }, (_, i) => producer(`p${i}`, OPERATIONS / PRODUCERS)));
        const all = await c
            .within(Promise.all(replies.map((r) => r.reply)), 60000, 'every request to be answered (deadlock?)')
            .catch((e: Error) => Promise.reject(new Error(`${e.message}; ${diagnosis()}`)));
        const seconds = (performance.now() - t0) / 1000;

        // Each answer has the shape its request promises.
        const outcomes = new Map<string, number>();
        const tally = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        replies.forEach(({ op }, i) => {
            const reply = all[i];
            if (op === 'execute') {
                const result = reply.result as ExecuteResult;
                assert.ok(result, `r/execute answered with an error: ${JSON.stringify(reply.error)}`);
                assert.ok(['ok', 'error', 'cancelled', 'interrupted', 'kernelDied'].includes(result.status), JSON.stringify(result));
                tally(`execute ${result.status}`);
            } else if (op === 'interrupt') {
                const result = reply.result as InterruptResult;
                assert.ok(result && typeof result.interrupted === 'boolean' && Number.isInteger(result.cancelled), JSON.stringify(reply));
                tally(`interrupt ${result.interrupted ? 'hit' : 'idle'}`);
            } else if (op === 'restart') {
                if (reply.error) assert.strictEqual(reply.error.code, KernelStartFailedError, JSON.stringify(reply.error));
                else assert.ok((reply.result as { pid: number }).pid > 0);
                tally(`restart ${reply.error ? 'failed' : 'ok'}`);
            } else if (op === 'variables') {
                if (reply.error) assert.ok([KernelNotRunningError, KernelStartFailedError, -32603].includes(reply.error.code), JSON.stringify(reply.error));
                tally(`variables ${reply.error ? reply.error.code : 'ok'}`);
            } else {
                assert.ok((reply.result as StatusResult)?.state, JSON.stringify(reply));
            }
        });

        const books = c.accounting();
        assert.deepStrictEqual(books.duplicates, [], 'requests answered more than once');
        assert.deepStrictEqual(books.unanswered, [], 'requests never answered');
        assert.strictEqual(books.stray, 0, 'responses to requests never sent');
        assert.strictEqual(c.exitCode, undefined, 'the server died');

        // Executions started in the order they were sent.
        const positions = started.filter((id) => order.has(id)).map((id) => order.get(id)!);
        const outOfOrder = positions.findIndex((p, i) => i > 0 && p < positions[i - 1]);
        assert.strictEqual(outOfOrder, -1, `execution ${started[outOfOrder]} started after a later one`);
        assert.strictEqual(new Set(started).size, started.length, 'an execution started twice');

        // Final state: consistent and usable.
        await c.waitFor(() => c.lastStatus()?.state === 'idle', 30000, 'the kernel to settle idle');
        const status = (await c.request<StatusResult>('r/status', {})).result!;
        assert.strictEqual(status.state, 'idle');
        assert.deepStrictEqual(status.queue, []);
        assert.strictEqual(status.running, undefined);
        const last = await c.execute('1+1');
        assert.strictEqual(last.status, 'ok');
        assert.deepStrictEqual(childrenOf(c.pid), [status.pid], 'exactly one R');

        report(`${replies.length} requests and ${counts.get('cancel') ?? 0} cancellations in ${fmt(seconds)} s; ${started.length} executions started, in order`);
        report([...outcomes].sort().map(([k, n]) => `${k}: ${n}`).join(', '));
    });

    /**
     * An interrupt holds back the grants of executions after the running
     * one. When the server has already moved an execution sent ahead into
     * the running slot but R has not yet read its grant, that grant (and the
     * "no" records R must read before it) must stay in the FIFO, or R waits
     * for a record the server holds until that very execution ends.
     */
    it('interrupting a pipelined burst never wedges the session (grants held back on interrupt)', async () => {
        const rng = seedFor('interrupt-burst');
        const c = await WireClient.start();
        try {
            for (let round = 0; round < 12; round++) {
                const burst = Array.from({ length: 100 }, (_, i) => c.request<ExecuteResult>('r/execute', { code: `${i}`, executionId: `b${round}-${i}` }));
                // A random moment while the burst runs.
                await pause(rng.int(1, 10));
                const interrupt = c.request<InterruptResult>('r/interrupt', { keepQueue: true });
                await c
                    .within(Promise.all([...burst, interrupt]), 10000, `round ${round}: the burst to be answered after r/interrupt {keepQueue: true}`)
                    .catch((e: Error) => Promise.reject(new Error(`${e.message}; ${whatIsItDoing(c.kernelPid)}`)));
            }
        } finally {
            await c.stop();
        }
    });
});
