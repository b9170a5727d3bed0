/**
 * Hostile user code: code that tampers with what the kernel relies on
 * (connections, sinks, options, the locale, the global environment, base
 * functions), with signals and interrupts, with the C stack, and quit().
 * Each case runs on a fresh server with autoRestart on and must end with a
 * clear status (error, interrupted, or kernelDied with a reason), after
 * which the session either survives (the next `1+1` prints `[1] 2` in the
 * same R) or has been restarted with a reason (the next `1+1` works in a
 * new R).
 */
import * as assert from 'assert';
import type { ExecuteResult, ExecutionStatus, KernelStatusParams, OutputParams } from '../../common/protocol';
import { childrenOf, isRunning, whatIsItDoing } from '../support/procs';
import { WireClient } from '../support/wireClient';
import { armSuiteDeadline, pause, report } from './harness';
import { fmt } from '../support/stats';

interface Case {
    name: string;
    /** Code run before the hostile code, in the same session. */
    setup?: string;
    code: string;
    /** Statuses the hostile execution may end with. */
    statuses: ExecutionStatus[];
    /** The session must survive (same R) rather than be restarted. */
    survives: boolean;
    /** Code run after the hostile code, with its expected status and stdout (a regular expression). */
    then?: { code: string; status: ExecutionStatus; stdout?: RegExp }[];
    /** For a kernelDied status: the reason the death notice and the execution's error give. */
    reason?: RegExp;
}

const CASES: Case[] = [
    {
        name: "closeAllConnections() closes the user's connections, not the kernel's",
        setup: 'con <- file(file.path(tempdir(), "user.txt"), open = "w")',
        code: 'closeAllConnections()',
        statuses: ['ok'],
        survives: true,
        then: [{ code: 'cat(isOpen(con, "w"))', status: 'error' }],
    },
    {
        name: 'a sink() to a file left open',
        code: 'sink(file.path(tempdir(), "sunk.txt")); print("hidden")',
        statuses: ['ok'],
        survives: true,
        then: [
            { code: 'stop("still reported")', status: 'error' },
            { code: 'sink(); readLines(file.path(tempdir(), "sunk.txt"))', status: 'ok', stdout: /"\[1\] \\"hidden\\""/ },
        ],
    },
    {
        name: 'sink(type = "message") to a file left open',
        code: 'zz <- file(file.path(tempdir(), "messages.txt"), open = "wt"); sink(zz, type = "message"); message("hidden")',
        statuses: ['ok'],
        survives: true,
        // Errors still end the execution with status error: the kernel
        // reports them on its channel, not through stderr.
        then: [{ code: 'stop("boom")', status: 'error' }],
    },
    {
        name: 'options(warn = 2): warnings become errors',
        code: 'options(warn = 2); warning("w")',
        statuses: ['error'],
        survives: true,
    },
    {
        // As in R's console: the error handler quits R. The server reports
        // the quit as the cause and starts R again.
        name: 'options(error = quote(q("no"))) quits at an error, as R does',
        code: 'options(error = quote(q("no"))); stop("boom")',
        statuses: ['kernelDied'],
        reason: /R was quit by the code being run/,
        survives: false,
    },
    {
        name: 'options(keep.source = FALSE): error lines still known',
        code: 'options(keep.source = FALSE)\nf <- function() stop("x")\nf()',
        statuses: ['error'],
        survives: true,
        then: [{ code: 'g <- function() stop("y")\n\ng()', status: 'error' }],
    },
    {
        name: 'options(OutDec = ",", digits = 22, scipen = -100)',
        code: 'options(OutDec = ",", digits = 22, scipen = -100); x <- 1.5; x',
        statuses: ['ok'],
        survives: true,
        then: [{ code: 'options(scipen = 0); y <- 1:3; 2.5', status: 'ok', stdout: /2,5/ }],
    },
    {
        name: 'Sys.setlocale("LC_ALL", "C")',
        code: 'Sys.setlocale("LC_ALL", "C"); s <- "h\\u00e9"; cat(s, "\\n")',
        statuses: ['ok'],
        survives: true,
    },
    {
        name: 'rm(list = ls(all.names = TRUE)) empties the global environment',
        setup: 'a <- 1; .hidden <- 2',
        code: 'rm(list = ls(all.names = TRUE))',
        statuses: ['ok'],
        survives: true,
        then: [{ code: 'ls(all.names = TRUE)', status: 'ok', stdout: /character\(0\)/ }],
    },
    {
        // R lets it happen at its top level; the user's own calls get the
        // replacement, the kernel keeps its copy.
        name: 'assignInNamespace("cat", …, "base")',
        code: 'assignInNamespace("cat", function(...) stop("tampered"), "base")',
        statuses: ['ok'],
        survives: true,
        then: [{ code: 'cat("x")', status: 'error' }],
    },
    {
        name: 'assignInNamespace("print", …, "base")',
        code: 'assignInNamespace("print", function(x, ...) stop("tampered"), "base")',
        statuses: ['ok'],
        survives: true,
        then: [{ code: 'print(1)', status: 'error' }],
    },
    {
        name: 'base::cat replaced through unlockBinding()',
        code: 'unlockBinding("cat", baseenv()); assign("cat", function(...) stop("tampered cat"), envir = baseenv())',
        statuses: ['ok'],
        survives: true,
        // The user's own calls get the replacement; the kernel keeps its copy.
        then: [
            { code: 'cat("x")', status: 'error' },
            { code: 'x <- 1:3; x', status: 'ok', stdout: /\[1\] 1 2 3/ },
        ],
    },
    {
        name: 'a global cat, print and writeBin mask nothing the kernel uses',
        code: 'cat <- function(...) stop("masked"); print <- function(...) stop("masked"); writeBin <- function(...) stop("masked"); 1',
        statuses: ['ok'],
        survives: true,
        then: [{ code: 'rm(cat, print, writeBin); 3', status: 'ok', stdout: /\[1\] 3/ }],
    },
    {
        name: 'SIGINT to itself (tools::pskill)',
        code: 'tools::pskill(Sys.getpid(), tools::SIGINT); Sys.sleep(5); "not reached"',
        statuses: ['interrupted'],
        survives: true,
    },
    {
        name: 'SIGTERM to itself',
        code: 'tools::pskill(Sys.getpid(), tools::SIGTERM); Sys.sleep(5)',
        statuses: ['kernelDied'],
        survives: false,
    },
    {
        name: 'infinite recursion (R error)',
        code: 'f <- function() f(); f()',
        statuses: ['error'],
        survives: true,
    },
    {
        name: 'deep recursion with options(expressions = 5e5) (C stack)',
        code: 'options(expressions = 5e5); g <- function(n) g(n + 1); g(0)',
        // R usually catches the C stack overflow as an error; a crash would
        // be reported as kernelDied and restarted.
        statuses: ['error', 'kernelDied'],
        survives: false,
    },
    {
        name: 'quit()',
        code: 'quit(save = "no", status = 3)',
        statuses: ['kernelDied'],
        survives: false,
        reason: /^R was quit by the code being run \(quit\(\) or q\(\)\) \(R exited with code 3\)$/,
    },
    {
        name: 'invokeRestart("abort") ends only the execution',
        code: 'kept <- 1; invokeRestart("abort")',
        statuses: ['interrupted'],
        survives: true,
        then: [{ code: 'kept', status: 'ok', stdout: /\[1\] 1/ }],
    },
    {
        name: 'setTimeLimit(elapsed = 0.5) does not reach past the execution',
        code: 'setTimeLimit(elapsed = 0.5)',
        statuses: ['ok'],
        survives: true,
        // As in R's console, which clears the limits when it returns to its
        // prompt: the next execution runs in full.
        then: [
            { code: 'Sys.sleep(0.7); for (i in 1:1e5) NULL', status: 'ok' },
            { code: '1+1', status: 'ok', stdout: /\[1\] 2/ },
        ],
    },
];

describe('stress: hostile user code', function () {
    this.timeout(240_000);
    before(() => armSuiteDeadline());
    const summary: string[] = [];
    after(() => {
        for (const line of summary) report(line);
    });

    for (const c of CASES) {
        it(`${c.name}`, async () => {
            const client = await WireClient.start({ init: { autoRestart: true }, keep: ['r/output'] });
            try {
                const stdoutOf = (id: string) =>
                    client.notifications
                        .map((n) => n.params as OutputParams)
                        .filter((o) => o.executionId === id && o.stream === 'stdout')
                        .map((o) => o.text)
                        .join('');
                const firstPid = client.kernelPid!;
                if (c.setup) assert.strictEqual((await client.within(client.execute(c.setup), 10000, 'setup')).status, 'ok');
                const result = await client
                    .within(client.execute({ code: c.code, executionId: 'hostile' }), 20000, `the hostile execution (${c.name})`)
                    .catch((e: Error) => Promise.reject(new Error(`${e.message}; ${whatIsItDoing(client.kernelPid)}`)));
                assert.ok(c.statuses.includes(result.status), `ended ${JSON.stringify(result)}`);
                if (result.status !== 'ok') assert.ok(result.error?.message, 'a status other than ok comes with a message');
                let how: string;
                if (result.status === 'kernelDied') {
                    await client.waitFor(() => client.statuses.some((s) => s.state === 'dead'), 10000, 'the death notice');
                    const dead = client.statuses.find((s) => s.state === 'dead') as KernelStatusParams;
                    assert.ok(dead.reason, 'r/kernelStatus dead has a reason');
                    if (c.reason) {
                        assert.match(dead.reason, c.reason);
                        assert.match(result.error!.message, c.reason);
                    }
                    await client.waitFor(() => client.lastStatus()?.state === 'idle' && client.kernelPid !== firstPid, 20000, 'the automatic restart');
                    assert.ok(!isRunning(firstPid), 'the old R is gone');
                    how = `${result.status} ("${dead.reason}"${dead.stderrTail?.trim() ? `, stderr: "${dead.stderrTail.trim().split('\n').slice(-1)[0].slice(0, 80)}"` : ''}), restarted`;
                } else {
                    how = `${result.status}${result.error ? ` ("${result.error.message.slice(0, 60)}")` : ''}, R kept`;
                }
                for (const [i, step] of (c.then ?? []).entries()) {
                    const after = await client.within(client.execute({ code: step.code, executionId: `then-${i}` }), 20000, `then: ${step.code}`);
                    assert.strictEqual(after.status, step.status, `then ${JSON.stringify(step.code)}: ${JSON.stringify(after)}`);
                    if (step.stdout) assert.match(stdoutOf(`then-${i}`), step.stdout);
                }
                // The session is usable: a fresh `1+1`, after undoing any sink.
                const next = await client.within(client.execute({ code: 'if (sink.number() > 0) sink(); 1+1', executionId: 'next' }), 20000, '1+1 afterwards');
                assert.strictEqual(next.status, 'ok', `1+1 afterwards: ${JSON.stringify(next)}; ${client.recent()}`);
                assert.strictEqual(stdoutOf('next'), '[1] 2\n');
                if (c.survives) assert.strictEqual(client.kernelPid, firstPid, `R was replaced (${client.recent()})`);
                assert.deepStrictEqual(childrenOf(client.pid), [client.kernelPid], 'exactly one R');
                summary.push(`${c.name}: ${how}; then 1+1 ok`);
            } catch (e) {
                summary.push(`${c.name}: FAILED (${(e as Error).message.split('\n')[0].slice(0, 200)})`);
                throw e;
            } finally {
                await client.stop();
            }
        });
    }

    /** A server whose R runs code that swallows every interrupt. */
    async function startStubborn(): Promise<{ client: WireClient; running: Promise<{ result?: ExecuteResult }> }> {
        const client = await WireClient.start();
        const running = client.request<ExecuteResult>('r/execute', { code: 'repeat tryCatch(Sys.sleep(1), interrupt = function(e) NULL)', executionId: 'stubborn' });
        await client.waitFor(() => client.lastStatus()?.state === 'busy', 10000, 'busy');
        // Let R get inside the loop (a random moment would do as well).
        await pause(200);
        return { client, running };
    }

    /**
     * R code that swallows interrupts: the server repeats SIGINT for about
     * 2 s and then tells the client (r/kernelStatus with the
     * unresponsive-interrupt reason). test/server/interrupt.test.ts covers
     * one interrupt; this is the user who keeps pressing Ctrl+C.
     */
    it('an interrupt that R ignores is reported within about 2 s even when the user keeps interrupting', async () => {
        const { client, running } = await startStubborn();
        try {
            const t0 = performance.now();
            let interrupts = 0;
            const presser = setInterval(() => {
                interrupts++;
                void client.request('r/interrupt', { keepQueue: true });
            }, 500);
            void client.request('r/interrupt', { keepQueue: true });
            try {
                await client.waitFor(() => client.statuses.some((s) => s.notice === 'unresponsive' || /not responding to the interrupt/.test(s.reason ?? '')), 6000, 'the unresponsive-interrupt notice while interrupts keep coming every 0.5 s');
            } finally {
                clearInterval(presser);
            }
            const notice = client.statuses.find((s) => s.notice === 'unresponsive' || /not responding/.test(s.reason ?? ''))!;
            const after = (notice.at - t0) / 1000;
            report(`unresponsive notice ${fmt(after)} s after the first of ${interrupts + 1} interrupts`);
            assert.ok(after < 4, `the notice came after ${fmt(after)} s`);
            await client.within(client.request('r/restart', {}), 30000, 'r/restart');
            const ended = await client.within(running, 10000, 'the stubborn execution');
            assert.strictEqual(ended.result?.status, 'kernelDied');
        } finally {
            await client.stop();
        }
    });

    it('an interrupt that R ignores is reported after about 2 s, the execution keeps running, and r/restart ends it', async () => {
        const { client, running } = await startStubborn();
        try {
            const t0 = performance.now();
            await client.request('r/interrupt', {});
            await client.waitFor(() => client.statuses.some((s) => /not responding to the interrupt/.test(s.reason ?? '')), 10000, 'the unresponsive-interrupt notice');
            const notice = client.statuses.find((s) => /not responding to the interrupt/.test(s.reason ?? ''))!;
            const after = (notice.at - t0) / 1000;
            assert.ok(after > 1.5 && after < 4, `the notice came ${fmt(after)} s after the interrupt`);
            assert.strictEqual(notice.state, 'busy');
            const status = (await client.request<{ running?: { executionId: string } }>('r/status', {})).result!;
            assert.strictEqual(status.running?.executionId, 'stubborn', 'still running after the notice');
            const restarted = await client.within(client.request<{ pid: number }>('r/restart', {}), 30000, 'r/restart');
            assert.ok(restarted.result?.pid);
            const ended = await client.within(running, 10000, 'the stubborn execution');
            assert.strictEqual(ended.result?.status, 'kernelDied');
            assert.match(ended.result!.error!.message, /restart requested/);
            assert.strictEqual((await client.execute('1+1')).status, 'ok');
            report(`interrupt ignored by R: notice after ${fmt(after)} s ("${notice.reason}"), r/restart → kernelDied "restart requested"`);
        } finally {
            await client.stop();
        }
    });
});
