/**
 * Background jobs (r/job/*, docs/protocol.md "Background jobs") with real R
 * and real `future` workers: jobs from code, from a file and from R
 * (rbridge_job()), live output and progressr progress, results brought
 * into the session, errors with their traceback, cancel (queued and
 * running), more jobs than workers, worker death, a restart of the
 * session's R, other plans (a localhost cluster, future.batchtools), bad
 * input, and no process left behind.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { JobInfo, JobOutputParams, JobProgressParams, SymbolsChangedParams } from '../../common/protocol';
import { descendantsOf, isRunning } from '../support/procs';
import { sleep } from '../support/time';
import { WireClient, WireClientOptions } from '../support/wireClient';

const KEEP = ['r/output', 'r/job/state', 'r/job/output', 'r/job/progress', 'r/symbolsChanged'];

describe('background jobs (real R and future workers)', function () {
    this.timeout(90000);
    const clients: WireClient[] = [];
    let dir: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-jobs-test-'));
    });
    afterEach(async () => {
        for (const c of clients.splice(0)) await c.stop();
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    async function start(options: WireClientOptions = {}): Promise<WireClient> {
        const c = await WireClient.start({ keep: KEEP, ...options });
        clients.push(c);
        return c;
    }

    async function startJob(c: WireClient, params: Record<string, unknown>): Promise<string> {
        const reply = await c.request<{ jobId: string }>('r/job/start', params);
        assert.ok(reply.result, `r/job/start: ${JSON.stringify(reply.error)}`);
        return reply.result.jobId;
    }

    function states(c: WireClient, jobId: string): JobInfo[] {
        return c.notifications.filter((n) => n.method === 'r/job/state' && (n.params as JobInfo).jobId === jobId).map((n) => n.params as JobInfo);
    }

    function last(c: WireClient, jobId: string): JobInfo | undefined {
        const all = states(c, jobId);
        return all[all.length - 1];
    }

    async function ended(c: WireClient, jobId: string, ms = 60000): Promise<JobInfo> {
        await c.waitFor(() => ['done', 'error', 'cancelled'].includes(last(c, jobId)?.state ?? ''), ms, `job ${jobId} to end`);
        return last(c, jobId)!;
    }

    function jobOutput(c: WireClient, jobId: string): string {
        return c.notifications
            .filter((n) => n.method === 'r/job/output' && (n.params as JobOutputParams).jobId === jobId)
            .map((n) => (n.params as JobOutputParams).text)
            .join('');
    }

    function workerPid(info: JobInfo | undefined): number {
        const m = /pid (\d+)/.exec(info?.worker ?? '');
        assert.ok(m, `the job's worker is known: ${JSON.stringify(info)}`);
        return Number(m[1]);
    }

    it('runs code as a job: live output and progress, then the result in the global environment', async () => {
        const c = await start();
        const jobId = await startJob(c, {
            name: 'steps',
            code: [
                'p <- progressr::progressor(steps = 3)',
                'for (i in 1:3) { Sys.sleep(0.25); p(message = paste("step", i)); cat("line", i, "\\n") }',
                'message("a message")',
                'warning("a warning")',
                'data.frame(x = 1:3)',
            ].join('\n'),
        });
        await c.waitFor(() => jobOutput(c, jobId).includes('line 1'), 30000, 'the first line while the job runs');
        assert.strictEqual(last(c, jobId)?.state, 'running', 'output arrives while the job runs');
        const info = await ended(c, jobId);
        assert.strictEqual(info.state, 'done', JSON.stringify(info));
        assert.deepStrictEqual(info.resultClass, ['data.frame']);
        assert.ok(info.elapsedMs >= 700, `elapsed ${info.elapsedMs} ms`);
        const progress = c.notifications.filter((n) => n.method === 'r/job/progress').map((n) => n.params as JobProgressParams);
        assert.deepStrictEqual(
            progress.map((p) => [p.amount, p.total, p.message]),
            [
                [0, 3, undefined],
                [1, 3, 'step 1'],
                [2, 3, 'step 2'],
                [3, 3, 'step 3'],
            ],
        );
        assert.strictEqual(jobOutput(c, jobId), 'line 1 \nline 2 \nline 3 \na message\nWarning: a warning\n  x\n1 1\n2 2\n3 3\n');
        const kept = (await c.request<{ output: JobOutputParams[]; droppedBytes: number }>('r/job/getOutput', { jobId })).result!;
        assert.strictEqual(kept.output.map((o) => o.text).join(''), jobOutput(c, jobId));
        assert.deepStrictEqual(kept.output.filter((o) => o.stream === 'stderr').map((o) => o.text), ['a message\n', 'Warning: a warning\n']);
        // Into the session, without running anything again.
        const assigned = (await c.request<{ assignedTo: string; resultBytes: number }>('r/job/result', { jobId, assignTo: 'steps_result' })).result!;
        assert.strictEqual(assigned.assignedTo, 'steps_result');
        const symbols = c.notifications.filter((n) => n.method === 'r/symbolsChanged').map((n) => n.params as SymbolsChangedParams);
        assert.ok(
            symbols.some((s) => s.added.some((v) => v.name === 'steps_result')),
            'the variables view hears of the new variable',
        );
        assert.strictEqual(await c.run('cat(sum(steps_result$x))'), '6');
        assert.strictEqual(last(c, jobId)?.assignedTo, 'steps_result');
    });

    it('runs a file in a clean environment, or with the globals its code uses when asked; errors come with their traceback', async () => {
        const c = await start();
        await c.run('secret_value <- 41');
        const file = path.join(dir, 'job.R');
        fs.writeFileSync(file, 'f <- function(x) g(x)\ng <- function(x) stop("no good: ", x)\ny <- secret_value + 1\nf(y)\n');
        const clean = await startJob(c, { file });
        const cleanInfo = await ended(c, clean);
        assert.strictEqual(cleanInfo.state, 'error');
        assert.match(cleanInfo.error!.message, /object 'secret_value' not found/);
        assert.strictEqual(cleanInfo.name, 'job.R');
        const copied = await startJob(c, { file, copyGlobals: true });
        const info = await ended(c, copied);
        assert.strictEqual(info.state, 'error');
        assert.strictEqual(info.error!.message, 'no good: 42');
        assert.deepStrictEqual(info.error!.traceback, [
            { call: 'f(y)', file, line: 4 },
            { call: 'g(x)', file, line: 1 },
            { call: 'stop("no good: ", x)', file, line: 2 },
        ]);
        // Code from a document: its lines are the document's.
        const uri = 'file:///work/analysis.R';
        const fromDoc = await startJob(c, { code: '\n1 + 1\nstop("here")', uri, range: { start: { line: 10, character: 0 }, end: { line: 13, character: 0 } } });
        const docInfo = await ended(c, fromDoc);
        assert.deepStrictEqual(docInfo.error!.traceback, [{ call: 'stop("here")', file: uri, line: 13 }]);
    });

    it('a console busy with a long execution does not hold up a job’s progress and output', async () => {
        const c = await start();
        const busy = c.execute('Sys.sleep(4)');
        await c.waitFor(() => c.lastStatus()?.state === 'busy', 10000, 'the console busy');
        const jobId = await startJob(c, { code: 'p <- progressr::progressor(steps = 2)\nfor (i in 1:2) { cat("tick", i, "\\n"); Sys.sleep(0.2); p() }' });
        const info = await ended(c, jobId);
        assert.strictEqual(info.state, 'done');
        assert.strictEqual(c.lastStatus()?.state, 'busy', 'the job ran to its end while the console was still busy');
        assert.strictEqual(jobOutput(c, jobId), 'tick 1 \ntick 2 \n');
        assert.strictEqual(c.notifications.filter((n) => n.method === 'r/job/progress').length, 3);
        assert.strictEqual((await busy).status, 'ok');
    });

    it('rbridge_job() in R code: globals found as future finds them, the result assigned when asked', async () => {
        const c = await start();
        const result = await c.execute('n <- 5; rbridge_job(sum(seq_len(n)) * 2, name = "doubled", resultName = "doubled")');
        assert.strictEqual(result.status, 'ok');
        await c.waitFor(() => states(c, 'j1').some((s) => s.assignedTo === 'doubled'), 60000, 'the result assigned');
        assert.strictEqual(last(c, 'j1')?.name, 'doubled');
        assert.strictEqual(await c.run('cat(doubled)'), '30');
    });

    it('keeps the console free while jobs run, queues jobs beyond the workers, and cancels queued and running jobs', async () => {
        const c = await start({ init: { jobs: { workers: 2 } } });
        const a = await startJob(c, { code: 'Sys.sleep(3); "a"' });
        const b = await startJob(c, { code: 'Sys.sleep(30); "b"' });
        const queued = await startJob(c, { code: 'Sys.sleep(0.5); "c"' });
        const never = await startJob(c, { code: 'cat("never\\n")' });
        await c.waitFor(() => last(c, a)?.worker !== undefined && last(c, b)?.worker !== undefined, 60000, 'two jobs running');
        assert.strictEqual(last(c, queued)?.state, 'queued', 'a third job waits for a worker');
        // The console answers while both workers are busy.
        const t0 = performance.now();
        assert.strictEqual(await c.run('cat(1 + 1)'), '2');
        assert.ok(performance.now() - t0 < 1500, `1+1 took ${performance.now() - t0} ms while jobs ran`);
        // Cancel a queued job: it never starts.
        assert.deepStrictEqual((await c.request('r/job/cancel', { jobId: never })).result, { cancelled: true });
        // Cancel a running job: its worker is stopped, and the queued job gets a worker.
        const bPid = workerPid(last(c, b));
        assert.deepStrictEqual((await c.request('r/job/cancel', { jobId: b })).result, { cancelled: true });
        assert.strictEqual(last(c, b)?.state, 'cancelled');
        await c.waitFor(() => !isRunning(bPid), 5000, 'the cancelled job’s worker to stop');
        assert.strictEqual((await ended(c, queued)).state, 'done', JSON.stringify(last(c, queued)));
        assert.strictEqual((await ended(c, a)).state, 'done', JSON.stringify(last(c, a)));
        assert.ok(!states(c, never).some((s) => s.state === 'running'), 'the cancelled queued job never ran');
        assert.strictEqual(jobOutput(c, never), '');
        // The pool is whole again: two jobs run at once on two workers, neither the stopped one.
        const d = await startJob(c, { code: 'Sys.sleep(1); Sys.getpid()' });
        const e = await startJob(c, { code: 'Sys.sleep(1); Sys.getpid()' });
        await c.waitFor(() => last(c, d)?.worker !== undefined && last(c, e)?.worker !== undefined, 30000, 'both on workers');
        assert.notStrictEqual(workerPid(last(c, d)), workerPid(last(c, e)));
        assert.ok(![workerPid(last(c, d)), workerPid(last(c, e))].includes(bPid));
        assert.strictEqual((await ended(c, d)).state, 'done');
        assert.strictEqual((await ended(c, e)).state, 'done');
        assert.deepStrictEqual((await c.request('r/job/cancel', { jobId: a })).result, { cancelled: false }, 'an ended job is not cancelled');
    });

    it('says so when a job’s worker dies, and runs the next job on a new worker; a restart of R leaves jobs running', async () => {
        const c = await start({ init: { jobs: { workers: 1 } } });
        const dies = await startJob(c, { code: 'tools::pskill(Sys.getpid(), tools::SIGKILL)' });
        const info = await ended(c, dies);
        assert.strictEqual(info.state, 'error');
        assert.match(info.error!.message, /worker died/);
        const survives = await startJob(c, { code: 'Sys.sleep(2); "survived"' });
        await c.waitFor(() => last(c, survives)?.worker !== undefined, 30000, 'running');
        const restarted = await c.request<{ pid: number }>('r/restart', {});
        assert.ok(restarted.result?.pid, JSON.stringify(restarted));
        const end = await ended(c, survives);
        assert.strictEqual(end.state, 'done', 'the job outlived the restart');
        await c.request('r/job/result', { jobId: survives, assignTo: 'after_restart' });
        assert.strictEqual(await c.run('cat(after_restart)'), 'survived');
    });

    it('refuses what it cannot do with a clear error: a missing file, code that does not parse, a result over the limit; keeps the start and end of huge output', async () => {
        const c = await start({ init: { jobs: { maxResultBytes: 10000 } } });
        const missing = await ended(c, await startJob(c, { file: path.join(dir, 'nope.R') }));
        assert.strictEqual(missing.state, 'error');
        assert.match(missing.error!.message, /does not exist/);
        const broken = await ended(c, await startJob(c, { code: 'x <- (1 +' }));
        assert.strictEqual(broken.state, 'error');
        assert.match(broken.error!.message, /unexpected end of input/);
        const big = await startJob(c, { code: 'numeric(1e5)' });
        assert.strictEqual((await ended(c, big)).state, 'done');
        const refused = await c.request('r/job/result', { jobId: big, assignTo: 'big' });
        assert.match(refused.error?.message ?? '', /over the limit of .*stays with the job/);
        assert.strictEqual(await c.run('cat(exists("big"))'), 'FALSE');
        const bad = await c.request('r/job/start', { code: 'x', file: '/tmp/x.R' });
        assert.strictEqual(bad.error?.code, -32602);
        const none = await c.request('r/job/result', { jobId: 'j999' });
        assert.match(none.error?.message ?? '', /no job 'j999'/);
        // A million lines: the start and the end are kept.
        const loud = await startJob(c, { code: 'for (i in 1:1e6) cat("line", i, "\\n")' });
        assert.strictEqual((await ended(c, loud, 90000)).state, 'done');
        const kept = (await c.request<{ output: JobOutputParams[]; droppedBytes: number }>('r/job/getOutput', { jobId: loud })).result!;
        const text = kept.output.map((o) => o.text).join('');
        assert.ok(text.startsWith('line 1 \nline 2 \n'), text.slice(0, 40));
        assert.ok(text.endsWith('line 999999 \nline 1000000 \n'), text.slice(-40));
        assert.ok(kept.droppedBytes > 5_000_000, `dropped ${kept.droppedBytes}`);
        assert.ok(text.length < 600_000, `kept ${text.length}`);
        assert.deepStrictEqual((await c.request('r/job/clear', {})).result, { cleared: ['j1', 'j2', 'j3', 'j4'] });
        assert.deepStrictEqual((await c.request<{ jobs: JobInfo[] }>('r/job/list', {})).result!.jobs, []);
    });

    it('runs jobs on a plan of the user’s: a localhost cluster, and future.batchtools’ local backend', async () => {
        const c = await start({ init: { jobs: { plan: 'future::plan(future::cluster, workers = c("localhost", "localhost"))' } } });
        const one = await startJob(c, { code: 'Sys.sleep(0.5); Sys.getpid()' });
        const two = await startJob(c, { code: 'Sys.sleep(0.5); Sys.getpid()' });
        assert.strictEqual((await ended(c, one)).state, 'done');
        assert.strictEqual((await ended(c, two)).state, 'done');
        assert.notStrictEqual(workerPid(last(c, one)), workerPid(last(c, two)), 'two cluster workers');
        const b = await start({ init: { jobs: { plan: 'future::plan(future.batchtools::batchtools_local)' } } });
        const job = await startJob(b, { code: 'cat("on batchtools\\n"); 6 * 7' });
        const info = await ended(b, job, 90000);
        assert.strictEqual(info.state, 'done', JSON.stringify(info));
        assert.strictEqual(jobOutput(b, job), 'on batchtools\n[1] 42\n');
        await b.request('r/job/result', { jobId: job, assignTo: 'answer' });
        assert.strictEqual(await b.run('cat(answer)'), '42');
        // batchtools' registry went to the controller's private folder, not the working directory.
        assert.strictEqual(await b.run('cat(file.exists(".future"))'), 'FALSE');
    });

    it('fails jobs with the reason when the plan given cannot be set, or would run them inside the controller', async () => {
        const c = await start({ init: { jobs: { plan: 'future::plan(no_such_strategy)' } } });
        const info = await ended(c, await startJob(c, { code: '1' }));
        assert.strictEqual(info.state, 'error');
        assert.match(info.error!.message, /plan could not be set: .*no_such_strategy/);
        const s = await start({ init: { jobs: { plan: 'future::plan(future::sequential)' } } });
        const sequential = await ended(s, await startJob(s, { code: '1' }));
        assert.match(sequential.error!.message, /sequential plan would run jobs inside the job controller/);
    });

    it('stops a controller stuck waiting for workers out of reach and fails its jobs with the reason; the console is never held up', async () => {
        // parallelly waits for an unreachable host's worker far longer than this (3 s here, 30 s by default).
        const c = await start({
            env: { RBRIDGE_JOBS_UNRESPONSIVE_MS: '3000' },
            init: { jobs: { plan: 'future::plan(future::cluster, workers = "host.invalid")' } },
        });
        const t0 = performance.now();
        const stuck = await ended(c, await startJob(c, { code: '1' }), 30000);
        assert.strictEqual(stuck.state, 'error');
        assert.match(stuck.error!.message, /did not answer for 3 s .*out of reach/);
        assert.ok(performance.now() - t0 < 15000, `reported after ${performance.now() - t0} ms`);
        // The console was never held up.
        assert.strictEqual(await c.run('cat("still here")'), 'still here');
    });

    it('leaves no controller or worker behind when the session ends', async () => {
        const c = await WireClient.start({ keep: KEEP });
        const jobId = await startJob(c, { code: 'Sys.sleep(60)' });
        await c.waitFor(() => last(c, jobId)?.worker !== undefined, 30000, 'running');
        // The worker is started by parallelly through a shell, and leaves the
        // server's tree when that shell exits: it is checked by its pid.
        const family = [...descendantsOf(c.pid), workerPid(last(c, jobId))];
        await c.stop();
        const t0 = Date.now();
        while (family.some(isRunning) && Date.now() - t0 < 5000) await sleep(50);
        assert.deepStrictEqual(family.filter(isRunning), [], 'every process of the session is gone');
    });
});
