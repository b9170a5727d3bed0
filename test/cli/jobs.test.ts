/**
 * `rbridge job FILE` and `rbridge jobs` with real R and real `future`
 * workers: the job's output streams as it comes (stdout and stderr apart)
 * and ends with a summary and status 0; a failing job prints R's error and
 * its calls with file:line and exits 1; progressr's progress is a line drawn
 * over itself on a terminal and plain lines into a pipe; Ctrl+C cancels the
 * job (its worker stops) and exits 130; attached to a detached session, the
 * result is assigned there (--result) and `rbridge jobs` lists the jobs.
 * The argument rules and the text of progress, errors and the table are
 * checked without R first.
 *
 * The detached session lives in a registry folder of this file's own
 * (RBRIDGE_RUNTIME_DIR) and is stopped at the end, by pid.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { JobInfo } from '../../common/protocol';
import { parseArgs } from '../../cli/args';
import { formatJobError, formatJobs, progressBar, progressLine } from '../../cli/jobs';
import { listSessions } from '../../common/sessions';
import { isRunning, trackPid } from '../support/procs';
import { StartedSession, startSession, stopAllSessions } from '../support/sessions';
import { CliProcess } from './cliProcess';
import { PtyProcess } from './ptyProcess';

/** rbridge's line when the job reaches a worker: the worker's pid. */
const RUNNING_ON = /rbridge: job (j\d+) \(([^)]*)\) is running on \S+ \(pid (\d+)\)/;

function workerPid(text: string): number {
    const m = RUNNING_ON.exec(text);
    assert.ok(m, `no 'is running on' line in ${JSON.stringify(text)}`);
    const pid = Number(m[3]);
    trackPid(pid);
    return pid;
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

describe('command-line client: background jobs (real R and future workers)', function () {
    this.timeout(120000);
    let tmp: string;
    let runtime: string;
    let workspace: string;
    let savedRuntime: string | undefined;
    let session: StartedSession | undefined;
    const running: { kill(): void }[] = [];
    const ptys: PtyProcess[] = [];

    function script(name: string, text: string): string {
        const file = path.join(tmp, name);
        fs.writeFileSync(file, text);
        return file;
    }

    function start(args: string[]): CliProcess {
        const cli = CliProcess.start(args, { cwd: tmp });
        running.push(cli);
        return cli;
    }

    function run(args: string[], timeoutMs = 60000) {
        return CliProcess.run(args, { cwd: tmp, timeoutMs });
    }

    /** The detached session of the attached tests, started at the first. */
    async function sessionDir(): Promise<string> {
        session ??= await startSession({ workspace });
        return workspace;
    }

    before(() => {
        savedRuntime = process.env.RBRIDGE_RUNTIME_DIR;
        tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-jobs-cli-test-')));
        runtime = path.join(tmp, 'runtime');
        fs.mkdirSync(runtime, { mode: 0o700 });
        // The clients this file runs inherit it, and so find the same registry.
        process.env.RBRIDGE_RUNTIME_DIR = runtime;
        workspace = path.join(tmp, 'ws');
        fs.mkdirSync(workspace);
    });

    afterEach(async () => {
        for (const p of running.splice(0)) p.kill();
        for (const pty of ptys.splice(0)) await pty.stop();
    });

    after(async function () {
        this.timeout(20000);
        await stopAllSessions();
        assert.deepStrictEqual(listSessions(), [], 'a session outlived the tests');
        if (savedRuntime === undefined) delete process.env.RBRIDGE_RUNTIME_DIR;
        else process.env.RBRIDGE_RUNTIME_DIR = savedRuntime;
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    describe('arguments and text (no R)', () => {
        it('reads `job` and `jobs` with their options, before and after the command word', () => {
            const noFile = () => false;
            const parsed = parseArgs(['--attach', 'job', 'fit.R', '--name', 'fit', '--result', 'model', '--copy-globals'], noFile);
            assert.ok(parsed.kind === 'run', JSON.stringify(parsed));
            assert.strictEqual(parsed.mode, 'job');
            // After --attach, `job` is the command, not the target.
            assert.deepStrictEqual(parsed.options.attach, { target: undefined });
            assert.strictEqual(parsed.options.file, 'fit.R');
            assert.deepStrictEqual(parsed.options.job, { name: 'fit', resultName: 'model', copyGlobals: true });

            const attachedAfter = parseArgs(['job', 'fit.R', '--attach', '/some/dir', '--result', 'r'], noFile);
            assert.ok(attachedAfter.kind === 'run' && attachedAfter.mode === 'job' && attachedAfter.options.attach?.target === '/some/dir', JSON.stringify(attachedAfter));

            // `jobs` attaches by default; --attach names the session; --json.
            const jobs = parseArgs(['jobs'], noFile);
            assert.ok(jobs.kind === 'run' && jobs.mode === 'jobs' && jobs.options.attach !== undefined && !jobs.options.json, JSON.stringify(jobs));
            const jobsJson = parseArgs(['--attach', '4242', 'jobs', '--json'], noFile);
            assert.ok(jobsJson.kind === 'run' && jobsJson.mode === 'jobs' && jobsJson.options.attach?.target === '4242' && jobsJson.options.json, JSON.stringify(jobsJson));

            // A script named `job` runs with `--`, its arguments its own.
            const script = parseArgs(['--', 'job', '--name', 'x'], noFile);
            assert.ok(script.kind === 'run' && script.mode === 'file' && script.options.file === 'job', JSON.stringify(script));
            assert.deepStrictEqual(script.kind === 'run' && script.options.scriptArgs, ['--name', 'x']);
        });

        it('refuses what makes no sense with a usage error', () => {
            const error = (argv: string[]) => {
                const parsed = parseArgs(argv, () => false);
                assert.strictEqual(parsed.kind, 'usageError', `${argv.join(' ')}: ${JSON.stringify(parsed)}`);
                return parsed.kind === 'usageError' ? parsed.message : '';
            };
            assert.match(error(['job']), /'rbridge job' needs the R script to run/);
            assert.match(error(['job', 'a.R', 'b.R']), /unexpected argument 'b.R' for 'rbridge job'/);
            assert.match(error(['job', 'a.R', '--result', 'r']), /'--result' needs --attach or --session/);
            assert.match(error(['--attach', 'job', 'a.R', '--result', '1x']), /'--result' needs a syntactic R name; got '1x'/);
            assert.match(error(['job', 'a.R', '--echo']), /'--echo' does not apply to 'rbridge job'/);
            assert.match(error(['-e', '1', 'job']), /either -e CODE or a script/);
            assert.match(error(['jobs', '--name', 'n']), /'--name' does not apply to 'rbridge jobs'/);
            assert.match(error(['jobs', 'extra']), /unexpected argument 'extra' for 'rbridge jobs'/);
            assert.match(error(['--name', 'n', '-e', '1']), /'--name' goes with 'rbridge job'/);
            assert.match(error(['--copy-globals', '-e', '1']), /'--copy-globals' goes with 'rbridge job'/);
            assert.match(error(['--json']), /'--json' goes with 'rbridge jobs'/);
        });

        it('writes progress, errors and the table of jobs', () => {
            assert.strictEqual(progressBar({ amount: 5, total: 10, message: 'step 5' }, 80), '[==========          ]  50% step 5');
            assert.strictEqual(progressBar({ amount: 0, total: 3 }, 80), '[                    ]   0%');
            // Cut to the terminal, so that it never wraps.
            assert.strictEqual(progressBar({ amount: 1, total: 3, message: 'x'.repeat(100) }, 40).length, 39);
            assert.strictEqual(progressBar({ amount: 7 }, 80), `[${'?'.repeat(20)}] 7`);
            assert.strictEqual(progressLine('j2', { amount: 2, total: 5, message: 'fitting\nmodel' }), 'job j2 progress 2/5 (40%): fitting model');

            const error = formatJobError(
                {
                    message: 'no good',
                    call: 'g(x)',
                    traceback: [
                        { call: 'f(1)', file: '/abs/job.R', line: 3 },
                        { call: 'g(x)', file: '/abs/job.R', line: 1 },
                        { call: 'h()' },
                    ],
                },
                (f) => (f === '/abs/job.R' ? 'job.R' : f),
            );
            assert.strictEqual(error, 'Error in g(x) : no good\n  at h()\n  at g(x) (job.R:1)\n  at f(1) (job.R:3)\n');
            assert.strictEqual(formatJobError({ message: 'the worker died' }), 'Error: the worker died\n');

            const jobs: JobInfo[] = [
                { jobId: 'j1', name: 'fit.R', state: 'done', elapsedMs: 1234, worker: 'vm (pid 12)', resultBytes: 2048, resultClass: ['lm'], assignedTo: 'model' },
                { jobId: 'j2', name: 'loop', state: 'running', elapsedMs: 65000, worker: 'vm (pid 13)', progress: { amount: 1, total: 4, message: 'a' } },
                { jobId: 'j3', name: 'waits', state: 'queued', elapsedMs: 0 },
            ];
            assert.strictEqual(
                formatJobs(jobs),
                [
                    'ID  NAME   STATE    ELAPSED  PROGRESS     WORKER       RESULT',
                    'j1  fit.R  done     1.2 s    -            vm (pid 12)  lm, 2.0 KB, assigned to model',
                    'j2  loop   running  1m 5s    1/4 (25%) a  vm (pid 13)  -',
                    'j3  waits  queued   -        -            -            -',
                    '',
                ].join('\n'),
            );
        });

        it('refuses --result without a session before starting anything (status 2)', async () => {
            const file = script('never.R', 'cat("never\\n")\n');
            const cli = await run(['job', file, '--result', 'r'], 10000);
            assert.strictEqual(cli.exited.code, 2, cli.describe());
            assert.match(cli.stderr, /option '--result' needs --attach or --session/);
            assert.strictEqual(cli.stdout, '');
        });
    });

    describe('a job of its own server', () => {
        it('streams the job’s output (stdout and stderr apart) while it runs, and ends with a summary and status 0', async () => {
            const flag = path.join(tmp, 'go-on');
            script(
                'ok.R',
                [
                    'cat("first line\\n")',
                    `while (!file.exists(${JSON.stringify(flag)})) Sys.sleep(0.05)`,
                    'message("a message")',
                    'x <- data.frame(a = 1:3)',
                    'x',
                    '',
                ].join('\n'),
            );
            const cli = start(['job', 'ok.R']);
            // The first line arrives while the job still waits for the flag.
            await cli.waitForOutput('first line\n', 60000);
            assert.strictEqual(cli.exited, undefined, 'the job is still running');
            assert.match(cli.stderr, /rbridge: job j1 \(ok\.R\) is running on \S+ \(pid \d+\)/);
            fs.writeFileSync(flag, '');
            const exit = await cli.waitForExit(60000);
            assert.strictEqual(exit.code, 0, cli.describe());
            assert.strictEqual(cli.stdout, 'first line\n  a\n1 1\n2 2\n3 3\n');
            assert.match(cli.stderr, /^a message$/m);
            assert.match(cli.stderr, /rbridge: job j1 \(ok\.R\) done in \d+\.\d s: data\.frame, \d+ bytes\n$/);
            assert.ok(!cli.stdout.includes('rbridge:'), 'rbridge’s notes stay off stdout');
        });

        it('a failing job: R’s error and its calls with file:line on stderr, status 1', async () => {
            script('bad.R', 'cat("before\\n")\nf <- function(x) g(x)\ng <- function(x) stop("no good: ", x)\nf(42)\ncat("after\\n")\n');
            const cli = await run(['job', 'bad.R', '--name', 'failing']);
            assert.strictEqual(cli.exited.code, 1, cli.describe());
            assert.strictEqual(cli.stdout, 'before\n');
            const lines = cli.stderr.split('\n');
            const at = lines.indexOf('Error in g(x) : no good: 42');
            assert.ok(at >= 0, cli.describe());
            // Innermost first, each with the script as it was named and the line.
            assert.deepStrictEqual(lines.slice(at + 1, at + 4), ['  at stop("no good: ", x) (bad.R:3)', '  at g(x) (bad.R:2)', '  at f(42) (bad.R:4)']);
            assert.match(lines[at + 4], /^rbridge: job j1 \(failing\) failed after \d+\.\d s$/);
        });

        it('--copy-globals waits for the session’s R it starts (the globals come from there)', async () => {
            script('plain.R', 'cat("no globals\\n")\n');
            const cli = await run(['job', 'plain.R', '--copy-globals']);
            assert.strictEqual(cli.exited.code, 0, cli.describe());
            assert.strictEqual(cli.stdout, 'no globals\n');
        });

        it('progress: a line drawn over itself on a terminal, plain lines into a pipe', async () => {
            const file = script('progress.R', 'p <- progressr::progressor(steps = 3)\nfor (i in 1:3) { Sys.sleep(0.4); p(message = paste("step", i)) }\ncat("finished\\n")\n');
            const pty = PtyProcess.start(['job', file]);
            ptys.push(pty);
            const exit = await pty.waitForExit(60000);
            assert.strictEqual(exit.code, 0, pty.describe());
            // Each drawing wipes the row first; the bar moves on, in order. (It is
            // drawn at most every 100 ms, so a step may be skipped on a busy machine;
            // the last one never is.)
            const wipe = '\r\x1b[2K';
            const drawn = pty.output
                .split(wipe)
                .slice(1)
                .map((d) => /^\[([= ]{20})\] ( *\d+)%([^\r]*)/.exec(d))
                .filter((m) => m !== null)
                .map((m) => `[${m[1]}] ${m[2]}%${m[3]}`);
            const percents = drawn.map((d) => Number(/(\d+)%/.exec(d)![1]));
            assert.deepStrictEqual([...percents].sort((a, b) => a - b), percents, `in order: ${JSON.stringify(drawn)}`);
            assert.ok(drawn.includes('[====================] 100% step 3'), `the last step drawn: ${JSON.stringify(drawn)}`);
            assert.ok(drawn.includes('[=======             ]  33% step 1') || drawn.includes('[=============       ]  66% step 2'), `a step between drawn: ${JSON.stringify(drawn)}`);
            // The bar is wiped before the output and the summary, which start their rows.
            assert.ok(pty.output.includes('\r\x1b[2Kfinished\r\n'), pty.describe());
            assert.match(pty.output, /rbridge: job j1 \(progress\.R\) done in /);

            const piped = await run(['job', file]);
            assert.strictEqual(piped.exited.code, 0, piped.describe());
            assert.strictEqual(piped.stdout, 'finished\n');
            assert.match(piped.stderr, /^rbridge: job j1 progress 0\/3 \(0%\)$/m);
            assert.match(piped.stderr, /^rbridge: job j1 progress 3\/3 \(100%\): step 3$/m);
            assert.ok(!piped.stderr.includes('\x1b'), 'no terminal codes into a pipe');
        });

        it('Ctrl+C (SIGINT) cancels the job: status 130, and its worker is gone', async () => {
            script('long.R', 'cat("started\\n")\nSys.sleep(120)\ncat("never\\n")\n');
            const cli = start(['job', 'long.R']);
            await cli.waitForOutput('started\n', 60000);
            const pid = workerPid(cli.stderr);
            assert.ok(isRunning(pid), 'the worker runs the job');
            cli.child.kill('SIGINT');
            const exit = await cli.waitForExit(15000);
            assert.strictEqual(exit.code, 130, cli.describe());
            assert.match(cli.stderr, /rbridge: cancelling job j1\.\.\.\nrbridge: job j1 \(long\.R\) cancelled after /);
            assert.ok(!cli.stdout.includes('never'));
            await until(() => !isRunning(pid), 10000, `the worker (pid ${pid}) to stop`);
        });
    });

    describe('attached to a detached session', () => {
        it('--result assigns the result in the session; `rbridge jobs` lists the job', async () => {
            const dir = await sessionDir();
            const file = script('answer.R', 'cat("computing\\n")\nlist(answer = 6 * 7)\n');
            const job = await run(['--attach', dir, 'job', file, '--result', 'r', '--name', 'the answer']);
            assert.strictEqual(job.exited.code, 0, job.describe());
            assert.match(job.stdout, /^computing\n/);
            assert.match(job.stderr, /rbridge: job (j\d+) \(the answer\) done in \d+\.\d s: list, \d+ bytes, assigned to r in the session\n$/);
            const jobId = RUNNING_ON.exec(job.stderr)![1];

            const read = await run(['--attach', dir, '-e', 'cat(r$answer, "\\n")']);
            assert.strictEqual(read.exited.code, 0, read.describe());
            assert.strictEqual(read.stdout, '42 \n');

            const listed = await run(['--attach', dir, 'jobs']);
            assert.strictEqual(listed.exited.code, 0, listed.describe());
            const [header, ...rows] = listed.stdout.trimEnd().split('\n');
            assert.match(header, /^ID\s+NAME\s+STATE\s+ELAPSED\s+PROGRESS\s+WORKER\s+RESULT$/);
            const row = rows.find((r) => r.startsWith(`${jobId} `));
            assert.ok(row, listed.stdout);
            assert.match(row, /the answer\s+done\s+\d+\.\d s\s+-\s+\S+ \(pid \d+\)\s+list, \d+ bytes, assigned to r$/);
            // It only asks: none of the lines said on attaching.
            assert.strictEqual(listed.stderr, '');

            const json = await run(['jobs', '--attach', dir, '--json']);
            const jobs = JSON.parse(json.stdout) as JobInfo[];
            const info = jobs.find((j) => j.jobId === jobId);
            assert.deepStrictEqual(
                info && { state: info.state, name: info.name, assignedTo: info.assignedTo, resultClass: info.resultClass, file: info.file },
                { state: 'done', name: 'the answer', assignedTo: 'r', resultClass: ['list'], file },
            );
        });

        it('--copy-globals gives the job the session’s variables its code uses; without it the job starts clean', async () => {
            const dir = await sessionDir();
            const set = await run(['--attach', dir, '-e', 'secret_value <- 41']);
            assert.strictEqual(set.exited.code, 0, set.describe());
            const file = script('uses.R', 'cat(secret_value + 1, "\\n")\n');
            const copied = await run(['--attach', dir, 'job', file, '--copy-globals']);
            assert.strictEqual(copied.exited.code, 0, copied.describe());
            assert.strictEqual(copied.stdout, '42 \n');
            const clean = await run(['--attach', dir, 'job', file]);
            assert.strictEqual(clean.exited.code, 1, clean.describe());
            assert.match(clean.stderr, /^Error.*object 'secret_value' not found$/m);
        });

        it('Ctrl+C on a terminal cancels the job in the session: status 130, the worker stops, and the session says cancelled', async () => {
            const dir = await sessionDir();
            const file = script('forever.R', 'cat("looping\\n")\nrepeat Sys.sleep(0.1)\n');
            const pty = PtyProcess.start(['--attach', dir, 'job', file]);
            ptys.push(pty);
            await pty.waitFor(RUNNING_ON, 60000);
            await pty.waitFor('looping', 30000);
            const match = RUNNING_ON.exec(pty.output)!;
            const jobId = match[1];
            const pid = Number(match[3]);
            trackPid(pid);
            pty.type('\x03');
            const exit = await pty.waitForExit(15000);
            assert.strictEqual(exit.code, 130, pty.describe());
            assert.match(pty.output, new RegExp(`rbridge: job ${jobId} \\(forever\\.R\\) cancelled after `));
            // The session lives on; only the cancel can have stopped the worker.
            await until(() => !isRunning(pid), 10000, `the worker (pid ${pid}) to stop`);
            assert.ok(isRunning(session!.pid), 'the session runs on');
            const listed = await run(['--attach', dir, 'jobs', '--json']);
            const info = (JSON.parse(listed.stdout) as JobInfo[]).find((j) => j.jobId === jobId);
            assert.strictEqual(info?.state, 'cancelled', listed.stdout);
        });

        it('`rbridge jobs` says so when the session has none, and exits 2 when there is no session', async () => {
            // A session of its own, without jobs.
            const empty = path.join(tmp, 'empty-ws');
            fs.mkdirSync(empty);
            const other = await startSession({ workspace: empty });
            trackPid(other.pid);
            const none = await run(['--attach', empty, 'jobs']);
            assert.strictEqual(none.exited.code, 0, none.describe());
            assert.strictEqual(none.stdout, '');
            assert.strictEqual(none.stderr, 'rbridge: the session has no background jobs\n');
            const missing = await run(['--attach', path.join(tmp, 'nowhere'), 'jobs']);
            assert.strictEqual(missing.exited.code, 2, missing.describe());
            assert.match(missing.stderr, /no R session matches/);
        });
    });
});
