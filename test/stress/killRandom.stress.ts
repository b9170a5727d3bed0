/**
 * R killed (SIGKILL) at random moments, with autoRestart on: while idle,
 * in the middle of an execution, in the middle of its output, while it
 * answers an r/variables children request, and while a new R is starting.
 * Every request must get exactly one answer (counted on the raw wire), the
 * server must stay up, a kernel must come back, and no R may be left
 * behind.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import type { ExecuteResult, ExecutionStateParams, OutputParams, StatusResult } from '../../common/protocol';
import { KernelStartFailedError } from '../../common/protocol';
import { childrenOf, isRunning } from '../support/procs';

/** A process's command name, from /proc ('' once it is gone). */
function commOf(pid: number): string {
    try {
        return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
        return '';
    }
}
import { WireClient, Reply } from '../support/wireClient';
import { armSuiteDeadline, pause, report, seedFor } from './harness';
import { fmt } from '../support/stats';

const EXECUTIONS = 200;
/** Automatic restarts back off (0.25, 1, 2, 4, 8 s); an r/restart after this many keeps the run short. */
const AUTO_RESTARTS_BEFORE_RESET = 2;

type Moment = 'idle' | 'execution' | 'output' | 'variables' | 'startup';

describe('stress: R killed at random moments (autoRestart on)', function () {
    this.timeout(240_000);
    let client: WireClient | undefined;
    before(() => armSuiteDeadline());
    after(async () => {
        await client?.stop();
    });

    it(`answers every request exactly once through ${EXECUTIONS} executions while R is SIGKILLed at random points, and leaves no R behind`, async () => {
        const rng = seedFor('kill');
        const c = (client = await WireClient.start({ init: { autoRestart: true } }));
        const running = new Set<string>();
        const withOutput = new Set<string>();
        c.on('r/executionState', (p) => {
            const s = p as ExecutionStateParams;
            if (s.state === 'running') running.add(s.executionId);
            else if (s.state === 'done') running.delete(s.executionId);
        });
        c.on('r/output', (p) => {
            const o = p as OutputParams;
            if (o.executionId) withOutput.add(o.executionId);
        });

        // Every child the server ever had, sampled all along: never more than
        // one R at a time, and all of them gone at the end.
        const everyChild = new Set<number>();
        let mostChildren = 0;
        const sampler = setInterval(() => {
            const children = childrenOf(c.pid);
            for (const p of children) everyChild.add(p);
            mostChildren = Math.max(mostChildren, children.length);
        }, 10);

        const executions: Promise<Reply<ExecuteResult>>[] = [];
        const variables: Promise<Reply>[] = [];
        let sent = 0;
        const exec = (code: string) => {
            const executionId = `k${sent++}`;
            const reply = c.request<ExecuteResult>('r/execute', { code, executionId });
            executions.push(reply);
            return { executionId, reply };
        };
        const moments: Record<Moment, number> = { idle: 0, execution: 0, output: 0, variables: 0, startup: 0 };
        let kills = 0;
        let manualRestarts = 0;
        let killsSinceReset = 0;

        const restart = async () => {
            const reply = await c.within(c.request<{ pid: number }>('r/restart', {}), 30000, 'r/restart');
            assert.ok(reply.result?.pid, `r/restart failed: ${JSON.stringify(reply.error)}`);
            manualRestarts++;
            killsSinceReset = 0;
        };

        /**
         * Waits for an idle kernel. A start-up that was killed is not
         * retried, and the server gives up after 5 automatic restarts in 5
         * minutes; then r/restart brings R back, as a user would.
         */
        const ready = async () => {
            await c.waitFor(
                () => {
                    const s = c.lastStatus();
                    return s?.state === 'idle' || (s?.state === 'dead' && /before the kernel was ready|not restarting it again/.test(s.reason ?? ''));
                },
                30000,
                'an idle kernel or a final death',
            );
            if (c.lastStatus()?.state === 'dead') await restart();
            if (killsSinceReset >= AUTO_RESTARTS_BEFORE_RESET) await restart();
        };

        const kill = (pid: number | undefined) => {
            assert.ok(pid, 'no R pid to kill');
            try {
                process.kill(pid, 'SIGKILL');
                kills++;
                killsSinceReset++;
            } catch {
                // It was already gone (it died on its own moments before).
            }
        };

        while (sent < EXECUTIONS) {
            await ready();
            const pid = c.kernelPid;
            const moment = rng.pick<Moment>(['idle', 'execution', 'output', 'variables', 'startup']);
            moments[moment]++;
            const round: Promise<unknown>[] = [];
            if (moment === 'idle') {
                for (let i = rng.int(1, 6); i > 0; i--) round.push(exec(`${i} + 1`).reply);
                await Promise.all(round);
                await pause(rng.int(0, 100));
                kill(pid);
            } else if (moment === 'execution') {
                const code = rng.pick(['Sys.sleep(0.4)', 'x <- 0; for (i in 1:2e6) x <- x + i', 'invisible(sort(runif(2e6)))']);
                const victim = exec(code);
                round.push(victim.reply);
                for (let i = rng.int(0, 3); i > 0; i--) round.push(exec(`q${i} <- ${i}`).reply);
                await c.waitFor(() => running.has(victim.executionId), 20000, `${victim.executionId} running`);
                await pause(rng.int(0, 80));
                kill(pid);
            } else if (moment === 'output') {
                const victim = exec('for (i in 1:5000) cat(sprintf("%05d %s\\n", i, strrep("y", 60)))');
                round.push(victim.reply);
                round.push(exec('"after"').reply);
                await c.waitFor(() => withOutput.has(victim.executionId) || !running.has(victim.executionId), 20000, `output of ${victim.executionId}`);
                await pause(rng.int(0, 30));
                kill(pid);
            } else if (moment === 'variables') {
                // A value with many children, so that describing them takes a while.
                await exec('vv <- lapply(1:3000, function(i) list(a = i, b = letters))').reply;
                await c.waitFor(() => c.lastStatus()?.state === 'idle', 20000, 'idle before r/variables');
                // The kernel loads jsonlite at its first children request;
                // warm it up, so that the kill lands while R describes them.
                const warmUp = c.request('r/variables', { path: ['vv'], count: 1 });
                variables.push(warmUp);
                await warmUp;
                const children = c.request('r/variables', { path: ['vv'], count: rng.int(10, 3000) });
                variables.push(children);
                round.push(children);
                await pause(rng.int(0, 40));
                kill(pid);
            } else {
                // Kill the R that replaces this one, while it starts.
                kill(pid);
                // R, not a helper the server runs while it prepares the start (mkfifo).
                const newR = () => childrenOf(c.pid).find((p) => p !== pid && commOf(p) === 'R');
                await c.waitFor(() => newR() !== undefined, 10000, 'a new R being started');
                await pause(rng.int(0, 150));
                const starting = newR();
                if (starting) kill(starting);
            }
            // Executions sent right after the kill reach a server that has not
            // yet seen R die (they end kernelDied); those sent once it has are
            // queued for the new kernel.
            for (let i = rng.int(0, 3); i > 0; i--) round.push(exec(`"post-kill ${i}"`).reply);
            await c.waitFor(() => c.lastStatus()?.state !== 'idle' && c.lastStatus()?.state !== 'busy', 10000, 'the death to be noticed');
            for (let i = rng.int(1, 4); i > 0; i--) round.push(exec(`"after the death ${i}"`).reply);
            await c.within(Promise.all(round), 60000, `the requests of round ${moments.idle + moments.execution + moments.output + moments.variables + moments.startup}`);
            assert.strictEqual(c.exitCode, undefined, 'the server died');
        }

        // The restart limit: a kernel that keeps dying is given up after 5
        // automatic restarts, with a reason, and r/restart brings R back.
        await ready();
        if (killsSinceReset) await restart();
        const limitKillsAt = kills;
        for (;;) {
            await c.waitFor(
                () => c.lastStatus()?.state === 'idle' || /not restarting it again/.test(c.lastStatus()?.reason ?? ''),
                30000,
                'an idle kernel or the restart limit',
            );
            if (c.lastStatus()?.state !== 'idle') break;
            kill(c.kernelPid);
            await c.waitFor(() => c.lastStatus()?.state !== 'idle', 10000, 'the death to be noticed');
        }
        const limit = c.lastStatus()!;
        assert.match(limit.reason!, /R died 6 times in 5 minutes; not restarting it again/);
        assert.strictEqual(limit.restartAbandoned, true, 'the server says it gave up');
        assert.strictEqual(limit.restartInMs, undefined);
        assert.strictEqual(kills - limitKillsAt, 6, 'five automatic restarts, then the server gives up');
        const whileDead = await c.execute('1');
        assert.strictEqual(whileDead.status, 'kernelDied', 'without a scheduled restart an execution is answered at once');
        await restart();

        // Every request answered exactly once.
        const answered = await c.within(Promise.all(executions), 60000, 'every execution to be answered');
        await c.within(Promise.all(variables), 10000, 'every r/variables request to be answered');
        const statuses = new Map<string, number>();
        for (const reply of answered) {
            assert.ok(reply.result, `r/execute failed: ${JSON.stringify(reply.error)}`);
            statuses.set(reply.result.status, (statuses.get(reply.result.status) ?? 0) + 1);
            assert.ok(['ok', 'kernelDied'].includes(reply.result.status), `unexpected status ${JSON.stringify(reply.result)}`);
            if (reply.result.status === 'kernelDied') assert.match(reply.result.error!.message, /SIGKILL|R is not running|not restarting|before the kernel was ready/);
        }
        const variableOutcomes = new Map<string, number>();
        for (const reply of await Promise.all(variables)) {
            const key = reply.error ? `error ${reply.error.code}` : 'result';
            variableOutcomes.set(key, (variableOutcomes.get(key) ?? 0) + 1);
            if (reply.error) assert.ok([KernelStartFailedError, -32802].includes(reply.error.code), `r/variables: ${JSON.stringify(reply.error)}`);
        }
        const books = c.accounting();
        assert.deepStrictEqual(books.duplicates, [], 'requests answered more than once');
        assert.deepStrictEqual(books.unanswered, [], 'requests never answered');
        assert.strictEqual(books.stray, 0, 'responses to requests never sent');
        assert.strictEqual(c.garbage, 0, 'bytes on stdout that are not protocol');

        // The session is consistent and usable.
        const statusReply = await c.request<StatusResult>('r/status', {});
        assert.ok(statusReply.result, `r/status failed: ${JSON.stringify(statusReply.error)}`);
        const status = statusReply.result;
        assert.strictEqual(status.state, 'idle');
        assert.deepStrictEqual(status.queue, []);
        assert.strictEqual((await c.execute('1+1')).status, 'ok');
        clearInterval(sampler);
        assert.deepStrictEqual(childrenOf(c.pid), [status.pid], 'the server has exactly one child: the current R');
        assert.ok(mostChildren <= 1, `the server had ${mostChildren} children at once`);

        await c.stop();
        assert.strictEqual(c.exitCode, 0);
        const leftovers = [...everyChild, ...c.kernelPids].filter(isRunning);
        assert.deepStrictEqual(leftovers, [], 'R processes left behind');

        report(
            `${sent} executions (${[...statuses].map(([s, n]) => `${n} ${s}`).join(', ')}), ${variables.length} r/variables (${[...variableOutcomes].map(([s, n]) => `${n} ${s}`).join(', ')})`,
        );
        report(
            `${kills} SIGKILLs (moments: ${Object.entries(moments).map(([m, n]) => `${m} ${n}`).join(', ')}; 6 for the restart limit), ${manualRestarts} r/restart, ${c.kernelPids.size} R processes in all, at most ${mostChildren} at a time, ${fmt(c.sent.size)} requests answered exactly once`,
        );
    });
});
