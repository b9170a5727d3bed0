/**
 * The benchmark suite (`npm run bench`): measures the server against its
 * targets on this machine and compares it with baselines measured in the
 * same run, then writes bench/results.md and prints a summary.
 *
 * Sections (numbered as in the targets):
 *  1. Raw pipe floor: a bare Rscript read-eval-print loop behind a pipe.
 *  2. Round trip of r/execute `1+1` through dist/server.js.
 *  3. 10,000 pipelined tiny executions.
 *  4. Output throughput against R writing to /dev/null, and the server's
 *     peak memory while 100 MB of output goes through it.
 *  5. Interrupt latency (Sys.sleep and a busy loop).
 *  6. Cost of the kernel's changed-symbol bookkeeping, inside R.
 *  7. Time from spawning the server to an idle kernel.
 *  9. What variable tracking costs an execution.
 * 10. Plots: renders, a big scatter, memory under the history's cap, and
 *     the end-of-execution check (bench/plots.R).
 * 11. Data viewer on a 1e7-row frame: View() to first rows, pages, sort,
 *     filter, and what View() adds to its execution.
 * 12. Completion, signature help and help pages, idle and while R is busy.
 * 13. Detached sessions: attaching to a live session (socket, handshake,
 *     initialize) until the first answer, and executions through the
 *     session's socket against the same through stdio.
 * 14. Background jobs: start → running (cold, then with the pool warm), a
 *     1e6-element result brought into the session, and the console's round
 *     trip while two jobs keep both workers busy.
 *
 * Every wait has a time limit, the whole run has one too, and every process
 * the benchmark starts is killed by its pid when the run ends.
 *
 * bench/run.ts is the program (`npm run bench` runs it): it calls main()
 * here. Loading this module runs nothing.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { Worker } from 'worker_threads';
import { KERNEL_DIR, SERVER } from '../test/support/paths';
import { ProcessCounters, countersSince, killEverythingStarted, memoryOf, processCounters } from '../test/support/procs';
import { cell, fmt, mb, mean, median, ms, percentile } from '../test/support/stats';
import { withTimeout } from '../test/support/time';
import { WireClient } from '../test/support/wireClient';
import { attach, privateRegistry, startSession, stopAllSessions } from '../test/support/sessions';
import { BENCH, BenchRun, FloorProcess, checkOk, machineLine, serverOptions, startServer } from './common';
import { describeMachine, run } from './machine';
import { buildBaseline, compareWithBaseline } from './baseline';
import { floorPipelined, floorRoundTrips, interruptOnce, pipelined, roundTrips } from './workloads';

// ---------------------------------------------------------------------------
// Where things are

/**
 * BENCH_SECTIONS=13,10 runs only those sections (a quick look while working
 * on one); such a run writes its report to the temporary folder, never over
 * bench/results.md.
 */
const ONLY = process.env.BENCH_SECTIONS?.split(',').map((n) => n.trim()).filter(Boolean);
const RESULTS = ONLY ? path.join(os.tmpdir(), 'rbridge-bench-partial.md') : path.join(BENCH, 'results.md');

/** The whole run must stay under about five minutes; past this it reports what it has and stops. */
const TIME_LIMIT_MS = 720_000;

// Iteration counts, chosen so that medians and p99s are stable while the
// whole run stays well inside the time limit.
const RTT_WARMUP = 300;
const RTT_ITERATIONS = 3000;
const PIPELINED = 10_000;
const PIPELINED_REPS = 3;
const OUTPUT_REPS = 3;
const INTERRUPT_REPS = 10;
const STARTUP_REPS = 5;
/** How long a new session is left idle before the variables workloads (its warm-up takes about 1 s). */
const WARM_SESSION_MS = 3000;

// ---------------------------------------------------------------------------
// What the run reports

type Verdict = 'met' | 'NOT MET' | 'info' | 'error';

interface Row {
    section: string;
    measure: string;
    result: string;
    target: string;
    baseline: string;
    ratio: string;
    verdict: Verdict;
}

const bench = new BenchRun('bench');
const { problems } = bench;
const rows: Row[] = [];
const details: string[] = [];
let serverCwd = '';

function row(r: Partial<Row> & Pick<Row, 'section' | 'measure' | 'result'>): void {
    rows.push({ target: '—', baseline: '—', ratio: '—', verdict: 'info', ...r });
}

function verdict(ok: boolean): Verdict {
    return ok ? 'met' : 'NOT MET';
}

/** Runs one section; a failure is recorded, also as a row of the summary, and the run goes on with the next. */
function section(name: string, work: () => Promise<void>): Promise<void> {
    if (ONLY && !name.split(' ')[0].split('+').some((n) => ONLY.includes(n))) return Promise.resolve();
    return bench.section(name, work, (message) => row({ section: name.split(' ')[0], measure: `${name} (failed)`, result: message.slice(0, 120), verdict: 'error' }));
}

/** The pid of the client's current kernel (the last one it reported). */
function kernelPid(client: WireClient): number {
    const pids = [...client.kernelPids];
    if (!pids.length) throw new Error('the server never reported a kernel pid');
    return pids[pids.length - 1];
}

/**
 * Counters of the server and its kernel, to attribute a workload's time to
 * one or the other, and the CPU of this process, the client (its JSON-RPC
 * framing and parsing; also whatever else the benchmark does meanwhile).
 */
function startCounting(client: WireClient): () => { server: ProcessCounters; kernel: ProcessCounters; clientCpuMs: number } {
    const serverPid = client.pid;
    const rPid = kernelPid(client);
    const server = processCounters(serverPid);
    const kernel = processCounters(rPid);
    const own = process.cpuUsage();
    return () => {
        const used = process.cpuUsage(own);
        return { server: countersSince(server, serverPid), kernel: countersSince(kernel, rPid), clientCpuMs: (used.user + used.system) / 1000 };
    };
}

function describeCounters(c: { server: ProcessCounters; kernel: ProcessCounters; clientCpuMs?: number }, per = 1, unit = ''): string {
    const cpu = (ms: number) => (per === 1 ? `${fmt(ms)} ms` : `${fmt((ms * 1000) / per)} µs${unit}`);
    return (
        `CPU: R ${cpu(c.kernel.cpuMs)}, server ${cpu(c.server.cpuMs)}${c.clientCpuMs === undefined ? '' : `, client ${cpu(c.clientCpuMs)}`}; ` +
        `R was preempted ${c.kernel.involuntary.toLocaleString('en-US')} times and blocked ${c.kernel.voluntary.toLocaleString('en-US')} times, ` +
        `the server woke ${c.server.voluntary.toLocaleString('en-US')} times`
    );
}

// ---------------------------------------------------------------------------
// 1. Raw pipe floor

interface Floor {
    rttMedian: number;
    rttP99: number;
    rate: number;
}
let floor: Floor | undefined;

async function floorSection(): Promise<void> {
    const loop = new FloorProcess();
    try {
        const rtts = await floorRoundTrips(loop, RTT_WARMUP, RTT_ITERATIONS);
        const rates: number[] = [];
        for (let rep = 0; rep < PIPELINED_REPS; rep++) rates.push(PIPELINED / ((await floorPipelined(loop, PIPELINED)) / 1000));
        floor = { rttMedian: median(rtts), rttP99: percentile(rtts, 99), rate: median(rates) };
        row({ section: '1', measure: 'Floor: round trip `1+1` (median)', result: ms(floor.rttMedian) });
        row({ section: '1', measure: 'Floor: round trip `1+1` (p99)', result: ms(floor.rttP99) });
        row({ section: '1', measure: `Floor: ${PIPELINED.toLocaleString('en-US')} pipelined`, result: `${fmt(floor.rate)} /s` });
        details.push(
            '### 1. Raw pipe floor',
            '',
            'A bare `Rscript` loop (bench/floor.R) reading a line from stdin, `eval(parse(text = line))`, printing the visible value and a sentinel line, driven from Node over its stdio pipes.',
            '',
            `- Round trip of \`1+1\`, ${RTT_ITERATIONS} sequential after ${RTT_WARMUP} warm-up: median ${ms(floor.rttMedian)}, p99 ${ms(floor.rttP99)}, mean ${ms(mean(rtts))}, min ${ms(Math.min(...rtts))}.`,
            `- ${PIPELINED.toLocaleString('en-US')} lines written at once, until the last sentinel: ${rates.map((r) => `${fmt(r)}/s`).join(', ')} (median ${fmt(floor.rate)}/s, ${fmt(1e6 / floor.rate)} µs each).`,
            '',
        );
    } finally {
        await loop.stop();
    }
}

// ---------------------------------------------------------------------------
// 2 and 3. Round trip and pipelined executions through the server

async function latencySections(): Promise<void> {
    const client = await startServer(serverCwd);
    try {
        await section('2 Round trip of r/execute `1+1`', () => roundTripSection(client));
        client.clearOutputs();
        await section('3 Pipelined executions', () => pipelinedSection(client));
    } finally {
        await bench.stopServer(client, 'latency server');
    }
}

async function roundTripSection(client: WireClient): Promise<void> {
    let count: (() => { server: ProcessCounters; kernel: ProcessCounters }) | undefined;
    const { rtts, kernelMs, misordered, wrongText } = await roundTrips(client, RTT_WARMUP, RTT_ITERATIONS, () => (count = startCounting(client)));
    const counters = describeCounters(count!(), RTT_ITERATIONS, ' per execution');
    const med = median(rtts);
    const p99 = percentile(rtts, 99);
    const floorMed = floor?.rttMedian;
    row({
        section: '2',
        measure: 'Server: round trip `1+1` (median)',
        result: ms(med),
        target: '≤ 0.3 ms',
        baseline: floorMed !== undefined ? `floor ${ms(floorMed)}` : 'floor n/a',
        ratio: floorMed ? `${fmt(med / floorMed)}× floor` : '—',
        verdict: verdict(med <= 0.3 && misordered === 0 && wrongText === 0),
    });
    row({
        section: '2',
        measure: 'Server: round trip `1+1` (p99)',
        result: ms(p99),
        target: '≤ 2 ms',
        baseline: floor ? `floor ${ms(floor.rttP99)}` : 'floor n/a',
        ratio: floor ? `${fmt(p99 / floor.rttP99)}× floor` : '—',
        verdict: verdict(p99 <= 2 && misordered === 0 && wrongText === 0),
    });
    if (misordered || wrongText) problems.push(`2: ${misordered} answers arrived before their output, ${wrongText} had wrong output text`);
    details.push(
        '### 2. Round trip of r/execute `1+1`',
        '',
        `${RTT_ITERATIONS} sequential executions after ${RTT_WARMUP} warm-up, timed from writing the request to reading the answer; the \`[1] 2\` output notification was checked to arrive before each answer.`,
        '',
        `- Round trip: median ${ms(med)}, p99 ${ms(p99)}, mean ${ms(mean(rtts))}, min ${ms(Math.min(...rtts))}, max ${ms(Math.max(...rtts))}.`,
        `- The server's own \`durationMs\` (exec frame sent to R → done frame read): median ${ms(median(kernelMs))}, p99 ${ms(percentile(kernelMs, 99))}. The rest of the round trip (client ↔ server pipes, JSON-RPC, waiting for the end-of-output markers) is median ${ms(med - median(kernelMs))}.`,
        `- ${counters}.`,
        `- Ordering: ${misordered} answers before their output; ${wrongText} with unexpected output text.`,
        floorMed ? `- Ratio to the floor: ${fmt(med / floorMed)}× (median), ${fmt(p99 / floor!.rttP99)}× (p99).` : '- Floor not available.',
        '',
    );
}

async function pipelinedSection(client: WireClient): Promise<void> {
    const rates: number[] = [];
    let counters = '';
    for (let rep = 0; rep < PIPELINED_REPS; rep++) {
        let count: (() => { server: ProcessCounters; kernel: ProcessCounters }) | undefined;
        const elapsed = await pipelined(client, PIPELINED, `p${rep}`, () => (count = startCounting(client)));
        counters = describeCounters(count!(), PIPELINED, ' per execution');
        rates.push(PIPELINED / (elapsed / 1000));
    }
    const rate = median(rates);
    row({
        section: '3',
        measure: `Server: ${PIPELINED.toLocaleString('en-US')} pipelined \`1+1\``,
        result: `${fmt(rate)} /s`,
        target: '≥ 5,000 /s',
        baseline: floor ? `floor ${fmt(floor.rate)} /s` : 'floor n/a',
        ratio: floor ? `${fmt(floor.rate / rate)}× slower` : '—',
        verdict: verdict(rate >= 5000),
    });
    details.push(
        '### 3. Pipelined executions',
        '',
        `${PIPELINED.toLocaleString('en-US')} r/execute requests written in one go, timed until the last answer; every answer and output checked.`,
        '',
        `- Rates: ${rates.map((r) => `${fmt(r)}/s`).join(', ')}; median ${fmt(rate)}/s (${fmt(1e6 / rate)} µs per execution).`,
        floor ? `- Floor: ${fmt(floor.rate)}/s (${fmt(1e6 / floor.rate)} µs per line); the server takes ${fmt(floor.rate / rate)}× as long.` : '',
        `- Last run, ${counters}. R and the server take turns (the next exec frame is sent when the done frame arrives), so per execution the wall time is roughly R's CPU plus the server's.`,
        '',
    );
}

// ---------------------------------------------------------------------------
// 4. Output throughput and memory

interface Workload {
    name: string;
    code: string;
}

const WORKLOADS: Workload[] = [
    { name: 'cat loop', code: 'for (i in 1:2e5) cat(i, "\\n")' },
    { name: 'print 1:1e6', code: 'print(1:1e6)' },
];

async function baselineSeconds(mode: 'sink' | 'stdout' | 'pipe', code: string, reps = OUTPUT_REPS): Promise<{ seconds: number[]; bytes?: number }> {
    const script = path.join(BENCH, 'outputBaseline.R');
    const result =
        mode === 'pipe'
            ? // R's stdout is a plain pipe drained by cat: what any reader of R's
              // output costs R (a wake-up per write), without the server.
              await run('sh', ['-c', 'Rscript "$0" stdout "$1" "$2" | cat > /dev/null', script, String(reps), code], { timeoutMs: 120000 })
            : await run('Rscript', [script, mode, String(reps), code], {
                  timeoutMs: 120000,
                  // In stdout mode R's own stdout is /dev/null: the console path
                  // is the kernel's, only nobody reads it.
                  stdout: mode === 'stdout' ? 'ignore' : 'pipe',
              });
    if (result.code !== 0) throw new Error(`outputBaseline.R ${mode} failed: ${result.stderr.slice(-500)}`);
    const seconds: number[] = [];
    let bytes: number | undefined;
    for (const line of result.stderr.split('\n')) {
        const m = /^RESULT (\w+) (\S+)/.exec(line);
        if (m?.[1] === 'seconds') seconds.push(Number(m[2]));
        if (m?.[1] === 'bytes') bytes = Number(m[2]);
    }
    return { seconds, bytes };
}

async function outputSection(): Promise<void> {
    const client = await startServer(serverCwd);
    try {
        checkOk(await withTimeout(client.executeReply({ code: 'options(max.print = 1e7)' }), 10000, 'options'), 'options(max.print)');
        const lines: string[] = [];
        for (const w of WORKLOADS) {
            const ours: number[] = [];
            let received = 0;
            let counters = '';
            for (let rep = 0; rep < OUTPUT_REPS; rep++) {
                const id = `out-${w.name}-${rep}`;
                const count = startCounting(client);
                const t0 = performance.now();
                const reply = await withTimeout(client.executeReply({ code: w.code, executionId: id }), 120000, w.name);
                checkOk(reply, w.name);
                ours.push((reply.at - t0) / 1000);
                counters = describeCounters(count());
                received = client.outputs.get(id)?.bytes ?? 0;
                client.clearOutputs();
            }
            // The same code under sink("/dev/null") inside the kernel itself,
            // through the server, timed by R's system.time.
            const inKernel: number[] = [];
            for (let rep = 0; rep < OUTPUT_REPS; rep++) {
                const id = `sink-${w.name}-${rep}`;
                const code = `cat(local({ sink("/dev/null"); on.exit(sink()); system.time(${w.code})[["elapsed"]] }), "\\n")`;
                checkOk(await withTimeout(client.executeReply({ code, executionId: id }), 120000, `${w.name} under sink`), `${w.name} under sink`);
                inKernel.push(Number(client.outputs.get(id)?.text.trim()));
                client.clearOutputs();
            }
            const sinkRun = await baselineSeconds('sink', w.code);
            const stdoutRun = await baselineSeconds('stdout', w.code);
            const pipeRun = await baselineSeconds('pipe', w.code);
            const candidates: [string, number][] = [
                ['in the kernel under sink("/dev/null")', median(inKernel)],
                ['separate Rscript under sink("/dev/null")', median(sinkRun.seconds)],
                ['separate Rscript with stdout = /dev/null', median(stdoutRun.seconds)],
            ];
            // The strictest comparison: the fastest way R wrote the same output.
            const [baseName, baseSeconds] = candidates.reduce((a, b) => (b[1] < a[1] ? b : a));
            const ourSeconds = median(ours);
            const share = baseSeconds / ourSeconds;
            const bytesOk = sinkRun.bytes === received;
            row({
                section: '4',
                measure: `Output \`${w.code}\`: delivered rate`,
                result: `${fmt(received / ourSeconds / 1e6)} MB/s (${fmt(ourSeconds * 1000)} ms)`,
                target: '≥ 50% of /dev/null rate',
                baseline: `/dev/null ${fmt(received / baseSeconds / 1e6)} MB/s (${fmt(baseSeconds * 1000)} ms)`,
                ratio: `${fmt(share * 100)}% of /dev/null`,
                verdict: verdict(share >= 0.5 && bytesOk),
            });
            if (!bytesOk) problems.push(`4: \`${w.code}\` delivered ${received} bytes, R printed ${sinkRun.bytes}`);
            lines.push(
                `- \`${w.code}\`: ${mb(received)} delivered (R printed ${mb(sinkRun.bytes)}: ${bytesOk ? 'equal' : 'DIFFERENT'}).`,
                `  - Through the server, request to answer: ${ours.map((s) => ms(s * 1000)).join(', ')} (median ${ms(ourSeconds * 1000)}, ${fmt(received / ourSeconds / 1e6)} MB/s).`,
                `  - Last run through the server, ${counters}.`,
                ...candidates.map(([name, s]) => `  - ${name}: median ${ms(s * 1000)}.`),
                `  - Baseline used: ${baseName}; delivered rate = ${fmt(share * 100)}% of it.`,
                `  - For reference (not a /dev/null baseline), a separate Rscript writing into a plain pipe drained by \`cat\`: median ${ms(median(pipeRun.seconds) * 1000)} (${fmt((baseSeconds / median(pipeRun.seconds)) * 100)}% of the /dev/null rate): the cost of any reader being woken by R's unbuffered console writes.`,
            );
        }
        details.push(
            '### 4. Output throughput',
            '',
            `With \`options(max.print = 1e7)\` set first; ${OUTPUT_REPS} runs of each, medians. "/dev/null rate" is the fastest of three ways of letting R write the same output with nobody reading it, each measured in this run.`,
            '',
            ...lines,
            '',
        );
    } finally {
        await bench.stopServer(client, 'throughput server');
    }
}

/**
 * Samples VmRSS of a process every `intervalMs` on a worker thread, so that
 * the sampling keeps its rhythm while the main thread is busy parsing 100 MB
 * of notifications.
 */
function startSampler(pid: number, intervalMs: number): { stop: () => Promise<{ peakKb: number; samples: number }> } {
    const code = `
        const { parentPort, workerData } = require('worker_threads');
        const fs = require('fs');
        const file = '/proc/' + workerData.pid + '/status';
        let peakKb = 0, samples = 0;
        const sample = () => {
            try {
                const m = /VmRSS:\\s+(\\d+) kB/.exec(fs.readFileSync(file, 'utf8'));
                if (m) { samples++; peakKb = Math.max(peakKb, Number(m[1])); }
            } catch (e) { /* the process is gone */ }
        };
        sample();
        const timer = setInterval(sample, workerData.intervalMs);
        parentPort.on('message', () => { clearInterval(timer); sample(); parentPort.postMessage({ peakKb, samples }); });
    `;
    const worker = new Worker(code, { eval: true, workerData: { pid, intervalMs } });
    return {
        stop: () =>
            withTimeout(
                new Promise<{ peakKb: number; samples: number }>((resolve) => {
                    worker.once('message', (m: { peakKb: number; samples: number }) => resolve(m));
                    worker.postMessage('stop');
                }),
                5000,
                'RSS sampler',
            ).finally(() => void worker.terminate()),
    };
}

async function memorySection(): Promise<void> {
    // A fresh server, so that its memory before the test is the plain
    // start-up footprint.
    const client = await startServer(serverCwd);
    try {
        const lines = 1e6;
        const code = `for (i in 1:${lines}) cat(strrep("x", 99), "\\n")`;
        // Each line is 99 x's, the space cat() puts between arguments and a newline.
        const expected = lines * 101;
        // R's own time for the same output into /dev/null, for the delivered rate's context.
        const devNull = median((await baselineSeconds('stdout', code, 1)).seconds);
        const before = memoryOf(client.pid);
        const sampler = startSampler(client.pid, 20);
        const count = startCounting(client);
        const t0 = performance.now();
        const reply = await withTimeout(client.executeReply({ code, executionId: 'mem' }), 150000, '100 MB of output');
        const elapsed = reply.at - t0;
        const counters = describeCounters(count());
        const { peakKb, samples } = await sampler.stop();
        checkOk(reply, '100 MB of output');
        const after = memoryOf(client.pid);
        const received = client.outputs.get('mem')?.bytes ?? 0;
        const peakMb = peakKb / 1024;
        const hwmMb = (after?.hwmKb ?? 0) / 1024;
        row({
            section: '4',
            measure: 'Server peak RSS during 100 MB of output',
            result: `${fmt(peakMb)} MiB (VmHWM ${fmt(hwmMb)} MiB)`,
            target: '≤ 150 MB',
            baseline: `idle ${fmt((before?.rssKb ?? 0) / 1024)} MiB`,
            verdict: verdict(Math.max(peakMb, hwmMb) * 1.048576 <= 150 && received === expected),
        });
        row({
            section: '4',
            measure: '100 MB output: bytes received',
            result: `${received.toLocaleString('en-US')} B`,
            target: `= ${expected.toLocaleString('en-US')} B`,
            verdict: verdict(received === expected),
        });
        details.push(
            '### 4b. Server memory during 100 MB of output',
            '',
            `\`${code}\` on a fresh server; VmRSS of the server process sampled every 20 ms on a worker thread (${samples} samples), VmHWM read afterwards.`,
            '',
            `- Before: VmRSS ${fmt((before?.rssKb ?? 0) / 1024)} MiB, VmHWM ${fmt((before?.hwmKb ?? 0) / 1024)} MiB.`,
            `- Peak sampled VmRSS ${fmt(peakMb)} MiB (${fmt(peakKb / 1000)} MB); VmHWM after ${fmt(hwmMb)} MiB; VmRSS after ${fmt((after?.rssKb ?? 0) / 1024)} MiB.`,
            `- Received ${received.toLocaleString('en-US')} bytes of stdout, expected ${expected.toLocaleString('en-US')} (${received === expected ? 'equal' : 'DIFFERENT'}); ${ms(elapsed)} request to answer (${fmt(received / (elapsed / 1000) / 1e6)} MB/s). R alone, stdout = /dev/null: ${ms(devNull * 1000)} (${fmt(expected / devNull / 1e6)} MB/s).`,
            `- ${counters}.`,
            '',
        );
    } finally {
        await bench.stopServer(client, 'memory server');
    }
}

// ---------------------------------------------------------------------------
// 5. Interrupt

async function interruptSection(): Promise<void> {
    const lines: string[] = [];
    for (const code of ['Sys.sleep(100)', 'repeat {}']) {
        const client = await startServer(serverCwd);
        try {
            const toAnswer: number[] = [];
            const toNext: number[] = [];
            for (let i = 0; i < INTERRUPT_REPS; i++) {
                const timing = await interruptOnce(client, code, `int${i}`);
                toAnswer.push(timing.toAnswer);
                toNext.push(timing.toNext);
            }
            const med = median(toAnswer);
            row({
                section: '5',
                measure: `Interrupt \`${code}\`: to the 'interrupted' answer (median)`,
                result: ms(med),
                target: '≤ 50 ms',
                baseline: `+ next \`1+1\` answered: ${ms(median(toNext))}`,
                verdict: verdict(med <= 50),
            });
            lines.push(
                `- \`${code}\`, ${INTERRUPT_REPS} times: interrupt → answer ${toAnswer.map((t) => fmt(t)).join(', ')} ms (median ${ms(med)}, max ${ms(Math.max(...toAnswer))}); interrupt → following \`1+1\` answered: median ${ms(median(toNext))}, max ${ms(Math.max(...toNext))}.`,
            );
        } finally {
            await bench.stopServer(client, `interrupt server (${code})`);
        }
    }
    details.push(
        '### 5. Interrupt',
        '',
        'The execution is started, left running for 300 ms, then r/interrupt is sent; timed from writing r/interrupt to reading the execution\'s answer (status `interrupted`), and then until a following `1+1` has answered.',
        '',
        ...lines,
        '',
    );
}

// ---------------------------------------------------------------------------
// 6. Changed-symbol bookkeeping, inside R

async function symbolsSection(): Promise<void> {
    const result = await run('Rscript', [path.join(BENCH, 'symbols.R'), KERNEL_DIR], { timeoutMs: 120000 });
    if (result.code !== 0) throw new Error(`symbols.R failed: ${result.stderr.slice(-800)}`);
    const values = new Map<string, number>();
    const notes: string[] = [];
    for (const line of result.stdout.split('\n')) {
        const m = /^RESULT (\S+) (\S+)/.exec(line);
        if (m) values.set(m[1], Number(m[2]));
        if (line.startsWith('NOTE ')) notes.push(line.slice(5).trim());
    }
    const need = (key: string) => {
        const v = values.get(key);
        if (v === undefined) throw new Error(`symbols.R did not report ${key}`);
        return v;
    };
    for (const [size, limit] of [
        [100, 0.5],
        [10000, 15],
    ] as const) {
        for (const kind of ['unchanged', 'changed'] as const) {
            const med = need(`${kind}.${size}.median`);
            row({
                section: '6',
                measure: `symbol_changes(), ${size.toLocaleString('en-US')} globals, ${kind === 'unchanged' ? 'nothing changed' : 'one binding changed'}`,
                result: `${ms(med)} (p99 ${ms(need(`${kind}.${size}.p99`))})`,
                target: `≤ ${limit} ms`,
                verdict: verdict(med <= limit),
            });
        }
        const suspect = need(`changedSuspect.${size}.median`);
        row({
            section: '6',
            measure: `symbol_changes(target), ${size.toLocaleString('en-US')} globals, as after \`x <- …\``,
            result: `${ms(suspect)} (p99 ${ms(need(`changedSuspect.${size}.p99`))})`,
            target: `(≤ ${limit} ms)`,
            verdict: suspect <= limit ? 'info' : 'NOT MET',
        });
    }
    // The per-execution breakdown is diagnostic: steps the kernel no longer has are shown as n/a.
    const step = (key: string) => (values.has(`exec.${key}`) ? `${fmt(values.get(`exec.${key}`)! * 1000)} µs` : 'n/a');
    details.push(
        '### 6. Changed-symbol bookkeeping (inside R)',
        '',
        'bench/symbols.R sources the kernel files into `new.env(parent = baseenv())` as kernel/bootstrap.R does, sets `has_rlang <- TRUE`, fills the global environment with numeric vectors of length 10, calls `reset_snapshot()` once and `describe_pending()` until nothing is pending (as the server does while R is idle), then times single calls of `symbol_changes()` (per-call wall time, median and p99).',
        '',
        '| Globals | First `reset_snapshot()` | Nothing changed | One binding changed | Changed, name passed as suspect (what exec does after `x <- …`) |',
        '|---:|---:|---:|---:|---:|',
        ...[0, 100, 10000].map((size) => {
            const cell = (kind: string) =>
                values.has(`${kind}.${size}.median`) ? `${ms(values.get(`${kind}.${size}.median`))} (p99 ${ms(values.get(`${kind}.${size}.p99`))}, n=${values.get(`${kind}.${size}.n`)})` : '—';
            return `| ${size.toLocaleString('en-US')} | ${ms(values.get(`reset.${size}`))} | ${cell('unchanged')} | ${cell('changed')} | ${cell('changedSuspect')} |`;
        }),
        '',
        `Loading rlang (done by the kernel at the first non-empty snapshot): ${ms(values.get('rlangLoad'))}. Kinds and addresses of the window of bindings every call looks at (\`look_at()\`): ${ms(values.get('window.100.median'))} with 100 globals, ${ms(values.get('window.10000.median'))} with 10,000 (a window of 1,500). With 10,000 globals, nothing changed and "one binding changed" cost the same: the changed binding is found by the call whose window reaches it, or while R is idle (\`describe_pending()\`, which took ${values.get('idleRounds.10000') ?? 'n/a'} rounds of 20 ms after the first snapshot).`,
        '',
        'For comparison, the kernel\'s own per-execution work for `1+1` in R, with an empty global environment and its streams and connection pointed at /dev/null (no pipe, no server), mean per call over 5,000 calls:',
        '',
        `- \`exec_request()\`, everything R does for one execution: ${step('whole')} (single calls: median ${ms(values.get('exec.wholeCalls.median'))}, p99 ${ms(values.get('exec.wholeCalls.p99'))}).`,
        `- Its parts: \`discard_interrupt()\` ${step('discard')}; \`run_code()\` ${step('run')}, of which \`parse_code()\` ${step('parse')}, \`eval_top()\` ${step('evalTop')}, \`assignment_targets()\` ${step('targets')}; \`end_of_output()\` ${step('markers')}; \`symbol_changes()\` ${step('symbols')}; one \`write_frame()\` ${step('frame')}.`,
        `- The floor loop's \`eval(parse(text = "1+1"))\` and print: ${step('plainEval')}.`,
        ...notes.map((n) => `- Note: ${n}`),
        '',
    );
}

// ---------------------------------------------------------------------------
// 7. Kernel ready after spawn

async function startupSection(): Promise<void> {
    const ready: number[] = [];
    const initialized: number[] = [];
    for (let i = 0; i < STARTUP_REPS; i++) {
        const client = new WireClient(serverOptions(serverCwd));
        try {
            const initAt = await client.initialize(undefined, 30000);
            await client.waitForIdle(30000);
            ready.push(client.firstIdleAt! - client.spawnedAt);
            initialized.push(initAt - client.spawnedAt);
        } finally {
            await bench.stopServer(client, 'start-up server');
        }
    }
    const bare: number[] = [];
    for (let i = 0; i < STARTUP_REPS; i++) {
        const r = await run('Rscript', ['-e', '0'], { timeoutMs: 30000 });
        if (r.code !== 0) throw new Error(`Rscript -e 0 failed: ${r.stderr}`);
        bare.push(r.wallMs);
    }
    // Spawn → first `1+1` answered (sent right after initialize), with the
    // compiled kernel of an earlier session (its cache folder warmed first)
    // and without (an empty cache folder each time), against the raw pipe
    // floor's spawn → first answer.
    const warmCache = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-bench-cache-'));
    const answers = async (cache: string): Promise<[number, number]> => {
        const client = new WireClient({ ...serverOptions(serverCwd), env: { XDG_CACHE_HOME: cache } });
        try {
            await client.initialize(undefined, 30000);
            const first = await client.executeReply({ code: '1+1', executionId: 'first' });
            checkOk(first, 'first 1+1');
            const second = await client.executeReply({ code: '1+1', executionId: 'second' });
            checkOk(second, 'second 1+1');
            return [first.at - client.spawnedAt, second.at - client.spawnedAt];
        } finally {
            await bench.stopServer(client, 'start-up server');
        }
    };
    const warming = new WireClient({ ...serverOptions(serverCwd), env: { XDG_CACHE_HOME: warmCache } });
    try {
        await warming.initialize(undefined, 30000);
        const dir = path.join(warmCache, 'rbridge');
        const deadline = performance.now() + 60000;
        while (!(fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.rds')))) {
            if (performance.now() > deadline) throw new Error('the compiled kernel was not saved within 60 s');
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    } finally {
        await bench.stopServer(warming, 'cache-warming server');
    }
    const warm: [number, number][] = [];
    const cold: [number, number][] = [];
    const floorFirst: number[] = [];
    const relayFirst: number[] = [];
    for (let i = 0; i < STARTUP_REPS; i++) {
        warm.push(await answers(warmCache));
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-bench-cache-'));
        try {
            cold.push(await answers(empty));
        } finally {
            fs.rmSync(empty, { recursive: true, force: true });
        }
        for (const [throughNode, into] of [
            [false, floorFirst],
            [true, relayFirst],
        ] as const) {
            const floor = new FloorProcess(throughNode);
            try {
                floor.write('1+1\n');
                into.push((await floor.until(1, 30000)) - floor.spawnedAt);
            } finally {
                await floor.stop();
            }
        }
    }
    fs.rmSync(warmCache, { recursive: true, force: true });
    const warmFirst = median(warm.map((w) => w[0]));
    const coldFirst = median(cold.map((c) => c[0]));
    const floorMed = median(floorFirst);
    const relayMed = median(relayFirst);
    for (const [which, first] of [
        ['compiled kernel kept from an earlier session (median)', warmFirst],
        ['first session (nothing kept; median)', coldFirst],
    ] as const) {
        row({
            section: '7',
            measure: `Spawn → first \`1+1\` answered, ${which}`,
            result: ms(first),
            target: '≤ 1.3× floor',
            baseline: `floor ${ms(floorMed)}`,
            ratio: `${fmt(first / floorMed)}× floor`,
            verdict: verdict(first <= 1.3 * floorMed),
        });
    }
    row({
        section: '7',
        measure: 'Spawn → first `1+1` answered by the floor started from a Node process (the least a Node server adds; median)',
        result: ms(relayMed),
        target: '—',
        baseline: `floor ${ms(floorMed)}`,
        ratio: `${fmt(relayMed / floorMed)}× floor`,
        verdict: 'info',
    });
    const med = median(ready);
    row({
        section: '7',
        measure: 'Spawn → first r/kernelStatus idle (median)',
        result: ms(med),
        target: '≤ 300 ms',
        baseline: `\`Rscript -e 0\` ${ms(median(bare))}`,
        ratio: `${fmt(med / median(bare))}× Rscript`,
        verdict: verdict(med <= 300),
    });
    details.push(
        '### 7. Kernel ready after spawn',
        '',
        `${STARTUP_REPS} fresh servers, timed from spawn() of \`node dist/server.js --stdio\` (initialize sent at once) to the first \`r/kernelStatus\` \`idle\`; nothing subtracted.`,
        '',
        `- Spawn → idle: ${ready.map((t) => fmt(t)).join(', ')} ms (median ${ms(med)}).`,
        `- Of which spawn → initialize answered (Node start-up of the server): median ${ms(median(initialized))}.`,
        `- Floor, \`Rscript -e 0\` spawn to exit: ${bare.map((t) => fmt(t)).join(', ')} ms (median ${ms(median(bare))}).`,
        '',
        `Spawn → the answers to \`1+1\` and a second \`1+1\` sent right after \`initialize\` (queued until R is ready), ${STARTUP_REPS} fresh servers each way, alternating:`,
        '',
        `- With the compiled kernel an earlier session saved (its cache folder warmed by one server first): first ${warm.map((w) => fmt(w[0])).join(', ')} ms; second ${warm.map((w) => fmt(w[1])).join(', ')} ms (medians ${ms(warmFirst)}, ${ms(median(warm.map((w) => w[1])))}).`,
        `- First session (an empty cache folder; R's JIT compiles the kernel during the first executions): first ${cold.map((c) => fmt(c[0])).join(', ')} ms; second ${cold.map((c) => fmt(c[1])).join(', ')} ms (medians ${ms(coldFirst)}, ${ms(median(cold.map((c) => c[1])))}).`,
        `- Raw pipe floor (bench/floor.R under Rscript, \`1+1\` written at spawn): ${floorFirst.map((t) => fmt(t)).join(', ')} ms (median ${ms(floorMed)}).`,
        `- The same floor spawned by a Node process at its first line (\`node -e\`, stdio passed through): ${relayFirst.map((t) => fmt(t)).join(', ')} ms (median ${ms(relayMed)}, ${fmt(relayMed / floorMed)}× the floor). Node starts before it can spawn R, so no server written for Node answers sooner than this.`,
        '',
    );
}

// ---------------------------------------------------------------------------
// The report

function report(incomplete?: string): string {
    const failing = rows.filter((r) => r.verdict === 'NOT MET' || r.verdict === 'error');
    const noisy = bench.noisySections();
    return [
        ...bench.reportHead('Benchmark results', 'npm run bench', 'bench/run.ts', incomplete),
        '## Summary',
        '',
        'Medians unless stated; baselines measured in the same run.',
        '',
        '| # | Measure | Result | Target | Baseline | Ratio | Verdict |',
        '|---|---|---|---|---|---|---|',
        ...rows.map((r) => `| ${r.section} | ${r.measure} | ${r.result} | ${r.target} | ${r.baseline} | ${r.ratio} | ${r.verdict === 'NOT MET' ? '**NOT MET**' : r.verdict} |`),
        '',
        failing.length ? `Targets not met: ${failing.map((r) => `${r.section} (${r.measure})`).join('; ')}.` : 'All targets met.',
        '',
        ...(noisy.length ? [`**Warning:** other processes used more than 10% of the machine during ${noisy.join(', ')}; those timings are inflated (see the last section).`, ''] : []),
        '## Details',
        '',
        ...details,
        ...bench.noiseSection(
            'CPU used by other processes (not started by the benchmark) while each section ran, as a share of the machine; more than a few percent means the timings of that section are inflated by competition for the cores.',
        ),
        ...bench.problemsSection(),
    ].join('\n');
}

/** The summary printed on stdout, above the problems and warnings. */
function summaryLines(): string[] {
    const widths = [2, 62, 34, 24, 10];
    return [
        `Benchmark on ${machineLine(bench.machine)}`,
        [cell('#', widths[0]), cell('Measure', widths[1]), cell('Result', widths[2]), cell('Target', widths[3]), 'Verdict'].join(' '),
        ...rows.map((r) =>
            [cell(r.section, widths[0]), cell(r.measure, widths[1]), cell(r.result, widths[2]), cell(r.target, widths[3]), r.verdict].join(' '),
        ),
    ];
}

// ---------------------------------------------------------------------------
// 9. What variable tracking costs an execution (R alone measured in the same R)

/** Runs `code` and returns the number it prints (R's own timing, in ms). */
async function printedNumber(client: WireClient, code: string, id: string): Promise<number> {
    checkOk(await client.executeReply({ code, executionId: id }), code);
    const text = client.outputs.get(id)?.text ?? '';
    client.outputs.delete(id);
    const n = Number(text.trim());
    if (!Number.isFinite(n)) throw new Error(`\`${code}\` printed ${JSON.stringify(text)}`);
    return n;
}

/** Round trip of `code` through the server (request written → answer read), in ms. */
async function roundTrip(client: WireClient, code: string, id: string): Promise<number> {
    const t0 = performance.now();
    const reply = await client.executeReply({ code, executionId: id });
    checkOk(reply, code);
    client.outputs.delete(id);
    return reply.at - t0;
}

/** Waits until the server's variables have no description left to come (Variable.pending). */
async function describedAll(client: WireClient): Promise<void> {
    const deadline = performance.now() + 120000;
    for (;;) {
        const reply = await client.request<{ variables: { pending?: boolean }[] }>('r/variables', {});
        if (!reply.result?.variables.some((v) => v.pending)) return;
        if (performance.now() > deadline) throw new Error('variables still pending after 120 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

async function variablesSection(): Promise<void> {
    const REPS = 5;
    // 10,000 assignments in one execution: through the server vs R's own time for the loop.
    const alone: number[] = [];
    const through: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
        const client = await startServer(serverCwd);
        try {
            // A session that has been idle a moment (its warm-up done: rlang
            // loaded, the kernel's functions compiled), as a user's is; the
            // cold start is measured in section 7.
            await new Promise((resolve) => setTimeout(resolve, WARM_SESSION_MS));
            alone.push(await printedNumber(client, 'local({ e <- new.env(); cat(system.time(for (i in 1:10000) assign(paste0("v", i), i, envir = e))[["elapsed"]] * 1000) })', `a${rep}`));
            through.push(await roundTrip(client, 'for (i in 1:10000) assign(paste0("v", i), i)', `t${rep}`));
        } finally {
            await bench.stopServer(client, 'variables server');
        }
    }
    row({
        section: '9',
        measure: '10,000 new variables in one execution: round trip',
        result: ms(median(through)),
        target: '≤ 3× R',
        baseline: `R ${ms(median(alone))}`,
        ratio: `${fmt(median(through) / median(alone))}× R`,
        verdict: verdict(median(through) <= 3 * median(alone)),
    });
    // 1+1 with 0, 1,000 and 10,000 globals (all described first).
    const rtt: Record<number, number> = {};
    for (const globals of [0, 1000, 10000]) {
        const client = await startServer(serverCwd);
        try {
            if (globals) {
                checkOk(await client.executeReply({ code: `for (i in 1:${globals}) assign(paste0("g", i), i); rm(i)`, executionId: 'make' }), 'globals');
                await describedAll(client);
            }
            const times: number[] = [];
            for (let i = 0; i < 60; i++) times.push(await roundTrip(client, '1+1', `r${i}`));
            rtt[globals] = median(times.slice(10));
        } finally {
            await bench.stopServer(client, 'globals server');
        }
    }
    for (const globals of [1000, 10000]) {
        row({
            section: '9',
            measure: `\`1+1\` with ${globals.toLocaleString('en-US')} globals: round trip`,
            result: ms(rtt[globals]),
            target: '≤ 0 globals + 3 ms',
            baseline: `0 globals ${ms(rtt[0])}`,
            ratio: `+${ms(rtt[globals] - rtt[0])}`,
            verdict: verdict(rtt[globals] - rtt[0] <= 3),
        });
    }
    // One element of a 1e7-row data.frame with a character column. R copies
    // the column on every other change (its own reference counting), so
    // both sides are medians over the same alternation.
    const client = await startServer(serverCwd);
    try {
        checkOk(await client.executeReply({ code: 'big <- data.frame(a = as.numeric(seq_len(1e7)), b = as.character(seq_len(1e7)))', executionId: 'big' }), 'big');
        await describedAll(client);
        const rAlone: number[] = [];
        const server: number[] = [];
        for (let i = 0; i < 6; i++) {
            rAlone.push(await printedNumber(client, 'cat(system.time(big$a[1] <- 0)[["elapsed"]] * 1000)', `ra${i}`));
            server.push(await roundTrip(client, 'big$a[1] <- 0', `rs${i}`));
        }
        row({
            section: '9',
            measure: '`big$a[1] <- 0`, 1e7-row data.frame with a character column',
            result: ms(median(server)),
            target: '≤ R + 3 ms',
            baseline: `R ${ms(median(rAlone))}`,
            ratio: `+${ms(median(server) - median(rAlone))}`,
            verdict: verdict(median(server) - median(rAlone) <= 3),
        });
        details.push(
            '### 9. What variable tracking costs an execution',
            '',
            `- 10,000 new variables: R alone (the same loop into a local environment, timed by R) ${alone.map(ms).join(', ')}; through the server (round trip; R describes what fits in 2 ms and the rest while idle) ${through.map(ms).join(', ')}.`,
            `- \`1+1\` round trip (median of 50): 0 globals ${ms(rtt[0])}, 1,000 ${ms(rtt[1000])}, 10,000 ${ms(rtt[10000])}.`,
            `- \`big$a[1] <- 0\`: R alone ${rAlone.map(ms).join(', ')}; through the server ${server.map(ms).join(', ')}.`,
            '',
        );
    } finally {
        await bench.stopServer(client, 'big server');
    }
}

// ---------------------------------------------------------------------------
// 10. Plots

/** Medians of `reps` r/renderPlot round trips (ms), and the size of the last picture. */
async function renderTimes(client: WireClient, params: Record<string, unknown>, reps: number): Promise<{ median: number; bytes: number }> {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        const reply = await withTimeout(client.request<{ data: string }>('r/renderPlot', params), 60000, 'r/renderPlot');
        if (!reply.result) throw new Error(`r/renderPlot failed: ${JSON.stringify(reply.error)}`);
        times.push(reply.at - t0);
        bytes = Buffer.from(reply.result.data, 'base64').length;
    }
    return { median: median(times), bytes };
}

async function plotsSection(): Promise<void> {
    const client = await startServer(serverCwd);
    try {
        // Renders through the whole path (request, kernel, base64, answer).
        checkOk(await client.executeReply({ code: 'set.seed(1); hist(rnorm(1e4))', executionId: 'hist' }), 'hist');
        const at1 = await renderTimes(client, { plotId: '1', width: 800, height: 600, format: 'png' }, 15);
        const at2 = await renderTimes(client, { plotId: '1', width: 800, height: 600, pixelRatio: 2, format: 'png' }, 15);
        for (const [label, r, limit] of [
            ['', at1, 60],
            [' at pixel ratio 2', at2, 150],
        ] as const) {
            row({
                section: '10',
                measure: `Render \`hist(rnorm(1e4))\` as an 800×600 PNG${label} (r/renderPlot round trip)`,
                result: ms(r.median),
                target: `≤ ${limit} ms`,
                baseline: `${fmt(r.bytes / 1024)} KB`,
                verdict: verdict(r.median <= limit),
            });
        }
        checkOk(await client.executeReply({ code: 'plot(rnorm(2e5), rnorm(2e5), pch = ".")', executionId: 'scatter' }), 'scatter');
        const scatterPng = await renderTimes(client, { plotId: '2', width: 800, height: 600, format: 'png' }, 5);
        const scatterSvg = await renderTimes(client, { plotId: '2', width: 800, height: 600, format: 'svg' }, 1);
        row({
            section: '10',
            measure: '200,000-point scatter as an 800×600 PNG (what the view shows)',
            result: ms(scatterPng.median),
            target: '≤ 500 ms',
            baseline: `SVG ${ms(scatterSvg.median)}, ${mb(scatterSvg.bytes)}`,
            ratio: `PNG ${fmt(scatterPng.bytes / 1024)} KB`,
            verdict: verdict(scatterPng.median <= 500),
        });
        // 100 plots of a few MB each: R's memory stays within the history's cap (100 MB).
        // R's own count of the memory its objects use after a gc() (what
        // the history holds), and the process's resident memory, which also
        // depends on how much of its heap R has kept from earlier work.
        const pid = kernelPid(client);
        const heapUsed = (id: string) => printedNumber(client, 'cat(sum(gc()[, 2]))', id);
        const heapBefore = await heapUsed('gc0');
        const before = memoryOf(pid)?.rssKb ?? 0;
        for (let i = 0; i < 100; i++) {
            checkOk(await withTimeout(client.executeReply({ code: 'plot(rnorm(2e5), rnorm(2e5), pch = ".")', executionId: `m${i}` }), 60000, 'scatter'), 'scatter');
        }
        const heapAfter = await heapUsed('gc1');
        const after = memoryOf(pid)?.rssKb ?? 0;
        const kept = (await client.request<{ plots: unknown[] }>('r/plots', {})).result?.plots.length ?? 0;
        const grewMb = heapAfter - heapBefore;
        row({
            section: '10',
            measure: `R's memory in use after 100 plots of 3 MB recordings (${kept} kept; gc())`,
            result: `+${fmt(grewMb)} MB`,
            target: '≤ cap (100 MB) + 50 MiB',
            baseline: `before ${fmt(heapBefore)} MB; resident ${fmt(before / 1024)} → ${fmt(after / 1024)} MiB`,
            verdict: verdict(grewMb <= 100 + 50 * 1.048576),
        });
    } finally {
        await bench.stopServer(client, 'plots server');
    }
    // The end-of-execution check, inside R (bench/plots.R).
    const result = await run('Rscript', [path.join(BENCH, 'plots.R'), KERNEL_DIR], { timeoutMs: 120000 });
    if (result.code !== 0) throw new Error(`plots.R failed: ${result.stderr.slice(-800)}`);
    const us = new Map<string, number>();
    for (const line of result.stdout.split('\n')) {
        const m = /^RESULT (\S+) (\S+)/.exec(line);
        if (m) us.set(m[1], Number(m[2]));
    }
    for (const [key, label] of [
        ['none', 'no device open'],
        ['small', '`plot(1:10)` on the page'],
        ['hist', '`hist(rnorm(1e4))` on the page'],
        ['userDevice', "the user's own png() open"],
        ['scatter', 'a 200,000-point scatter on the page'],
    ] as const) {
        const v = us.get(key);
        if (v === undefined) throw new Error(`plots.R did not report ${key}`);
        row({
            section: '10',
            measure: `Plot check of an execution that draws nothing, ${label}`,
            result: `${fmt(v)} µs`,
            target: '≤ 20 µs',
            verdict: verdict(v <= 20),
        });
    }
}

// ---------------------------------------------------------------------------
// 11. Data viewer

async function dataViewSection(): Promise<void> {
    const client = await startServer(serverCwd, 60000);
    try {
        checkOk(
            await withTimeout(
                client.executeReply({ code: 'set.seed(3); big <- data.frame(a = runif(1e7), b = as.character(sample(1e5, 1e7, TRUE)))', executionId: 'make' }),
                120000,
                'making the 1e7-row frame',
            ),
            'big',
        );
        await describedAll(client);
        const ask = async <T>(method: string, params: unknown): Promise<{ result: T; ms: number }> => {
            const t0 = performance.now();
            const reply = await withTimeout(client.request<T>(method, params), 120000, method);
            if (reply.result === undefined) throw new Error(`${method} failed: ${JSON.stringify(reply.error)}`);
            return { result: reply.result, ms: reply.at - t0 };
        };
        // View() to its first rows: the execution, the notification, the schema and the first page.
        const firstRows: number[] = [];
        const withView: number[] = [];
        const without: number[] = [];
        for (let i = 0; i < 7; i++) {
            const t0 = performance.now();
            const opened = new Promise<{ viewId: string }>((resolve) => client.on('r/dataView/open', (p) => resolve(p as { viewId: string })));
            const reply = await client.executeReply({ code: 'View(big)', executionId: `v${i}` });
            checkOk(reply, 'View(big)');
            withView.push(reply.at - t0);
            const { viewId } = await opened;
            await ask('r/dataView/schema', { viewId });
            await ask('r/dataView/rows', { viewId, start: 0, count: 100 });
            firstRows.push(performance.now() - t0);
            await ask('r/dataView/close', { viewId });
            without.push(await roundTrip(client, 'invisible(big)', `n${i}`));
        }
        client.listeners.delete('r/dataView/open');
        row({ section: '11', measure: '`View(big)` (1e7 × 2) to its first 100 rows', result: ms(median(firstRows)), target: '≤ 200 ms', verdict: verdict(median(firstRows) <= 200) });
        row({
            section: '11',
            measure: 'The execution that calls `View(big)`',
            result: ms(median(withView)),
            target: '≤ without + 10 ms',
            baseline: `\`invisible(big)\` ${ms(median(without))}`,
            ratio: `+${ms(median(withView) - median(without))}`,
            verdict: verdict(median(withView) - median(without) <= 10),
        });
        const view = (await ask<{ viewId: string }>('r/dataView/openVariable', { path: ['big'] })).result.viewId;
        const pages: number[] = [];
        for (let i = 0; i < 20; i++) pages.push((await ask('r/dataView/rows', { viewId: view, start: Math.floor(((i * 7919) % 100) * 99_990), count: 100 })).ms);
        row({ section: '11', measure: 'A page of 100 rows anywhere in 1e7', result: ms(median(pages)), target: '≤ 30 ms', verdict: verdict(median(pages) <= 30) });
        const sortNumber = (await ask('r/dataView/sort', { viewId: view, keys: [{ column: 0 }] })).ms;
        const sortedPages: number[] = [];
        for (let i = 0; i < 10; i++) sortedPages.push((await ask('r/dataView/rows', { viewId: view, start: i * 999_000, count: 100 })).ms);
        await ask('r/dataView/sort', { viewId: view, keys: [] });
        const filter = (await ask('r/dataView/filter', { viewId: view, filters: [{ column: 0, op: 'gt', value: 0.5 }] })).ms;
        await ask('r/dataView/filter', { viewId: view, filters: [] });
        const sortText = (await ask('r/dataView/sort', { viewId: view, keys: [{ column: 1 }] })).ms;
        row({ section: '11', measure: 'Sort 1e7 rows by the numeric column', result: ms(sortNumber), target: '≤ 1.5 s', verdict: verdict(sortNumber <= 1500) });
        row({ section: '11', measure: 'A page of 100 rows of the sorted view', result: ms(median(sortedPages)), target: '≤ 30 ms', verdict: verdict(median(sortedPages) <= 30) });
        row({ section: '11', measure: 'Filter `a > 0.5` over 1e7 rows', result: ms(filter), target: '≤ 1 s', verdict: verdict(filter <= 1000) });
        row({ section: '11', measure: 'Sort 1e7 rows by the character column (C-locale order)', result: ms(sortText) });
    } finally {
        await bench.stopServer(client, 'data viewer server');
    }
}

// ---------------------------------------------------------------------------
// 12. Completion, signature help, help

async function languageSection(): Promise<void> {
    const client = await startServer(serverCwd);
    try {
        checkOk(await client.executeReply({ code: 'df <- data.frame(alpha = 1:3, beta = 4:6, gamma = 7:9); for (i in 1:10000) assign(paste0("g", i), i); rm(i)', executionId: 'setup' }), 'setup');
        await describedAll(client);
        const uri = 'file:///bench/completion.R';
        let version = 1;
        client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'r', version, text: '' } });
        const timed = async (method: string, text: string): Promise<{ ms: number; result: unknown }> => {
            client.notify('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text }] });
            const lines = text.split('\n');
            const position = { line: lines.length - 1, character: lines[lines.length - 1].length };
            const t0 = performance.now();
            const reply = await withTimeout(client.request(method, { textDocument: { uri }, position }), 10000, method);
            if (reply.error) throw new Error(`${method} failed: ${JSON.stringify(reply.error)}`);
            return { ms: reply.at - t0, result: reply.result };
        };
        const medianOf = async (method: string, text: string, n = 25): Promise<number> => {
            const times: number[] = [];
            for (let i = 0; i < n + 3; i++) times.push((await timed(method, text)).ms);
            return median(times.slice(3));
        };
        const dollar = await medianOf('textDocument/completion', 'df$');
        const names = await medianOf('textDocument/completion', 'g12');
        const signature = await medianOf('textDocument/signatureHelp', 'rnorm(1, ');
        row({ section: '12', measure: 'Completion of `df$` (idle)', result: ms(dollar), target: '≤ 25 ms', verdict: verdict(dollar <= 25) });
        row({ section: '12', measure: 'Completion of global names, 10,000 globals (idle)', result: ms(names), target: '≤ 25 ms', verdict: verdict(names <= 25) });
        row({ section: '12', measure: 'Signature help `rnorm(1, ` (idle)', result: ms(signature), target: '≤ 25 ms', verdict: verdict(signature <= 25) });
        const running = client.executeReply({ code: 'Sys.sleep(4)', executionId: 'busy' });
        await new Promise((resolve) => setTimeout(resolve, 300));
        const busy = await medianOf('textDocument/completion', 'g12', 20);
        const busyDollar = await medianOf('textDocument/completion', 'df$', 20);
        checkOk(await running, 'Sys.sleep');
        row({ section: '12', measure: 'Completion of global names while R is busy', result: ms(busy), target: '≤ 5 ms', verdict: verdict(busy <= 5) });
        row({ section: '12', measure: 'Completion of `df$` while R is busy (from the cache)', result: ms(busyDollar), target: '≤ 5 ms', verdict: verdict(busyDollar <= 5) });
        const pages: number[] = [];
        for (let i = 0; i < 8; i++) {
            const t0 = performance.now();
            const reply = await withTimeout(client.request<{ title?: string }>('r/help', { topic: 'lm' }), 30000, 'r/help');
            if (!reply.result?.title) throw new Error(`r/help lm failed: ${JSON.stringify(reply.error)}`);
            pages.push(reply.at - t0);
        }
        row({
            section: '12',
            measure: 'Help page of `lm` rendered (r/help)',
            result: ms(median(pages.slice(1))),
            target: '≤ 150 ms',
            baseline: `first ${ms(pages[0])}`,
            verdict: verdict(median(pages.slice(1)) <= 150),
        });
    } finally {
        await bench.stopServer(client, 'language server');
    }
}

/**
 * 14: background jobs on the default pool of two local workers. "Running"
 * is when the job's code has started in its worker (its worker known).
 */
async function jobsSection(): Promise<void> {
    const client = await startServer(serverCwd);
    try {
        const started = new Map<string, number>();
        const running = new Map<string, number>();
        const ended = new Map<string, string>();
        client.on('r/job/state', (p) => {
            const info = p as { jobId: string; state: string; worker?: string };
            if (info.worker && !running.has(info.jobId)) running.set(info.jobId, performance.now());
            if (['done', 'error', 'cancelled'].includes(info.state)) ended.set(info.jobId, info.state);
        });
        const start = async (code: string): Promise<string> => {
            const t0 = performance.now();
            const reply = await withTimeout(client.request<{ jobId: string }>('r/job/start', { code }), 10000, 'r/job/start');
            if (!reply.result) throw new Error(`r/job/start failed: ${JSON.stringify(reply.error)}`);
            started.set(reply.result.jobId, t0);
            return reply.result.jobId;
        };
        const untilRunning = async (jobId: string) => {
            await client.waitFor(() => running.has(jobId) || ended.has(jobId), 60000, `job ${jobId} running`);
            if (!running.has(jobId)) throw new Error(`job ${jobId} ended ${ended.get(jobId)} before it ran`);
            return running.get(jobId)! - started.get(jobId)!;
        };
        const untilEnded = (jobId: string) => client.waitFor(() => ended.has(jobId), 60000, `job ${jobId} to end`);
        // Cold: the controller and its pool start with the first job.
        const first = await start('1');
        const cold = await untilRunning(first);
        await untilEnded(first);
        const warm: number[] = [];
        for (let i = 0; i < 12; i++) {
            const id = await start('1');
            warm.push(await untilRunning(id));
            await untilEnded(id);
        }
        const warmMs = median(warm.slice(2));
        row({ section: '14', measure: 'Job start → running, warm pool (median)', result: ms(warmMs), target: '≤ 1 s', baseline: `cold ${ms(cold)}`, verdict: verdict(warmMs <= 1000) });
        // A 1e6-element result into the global environment.
        const copies: number[] = [];
        for (let i = 0; i < 5; i++) {
            const id = await start('runif(1e6)');
            await untilEnded(id);
            const t0 = performance.now();
            const reply = await withTimeout(client.request('r/job/result', { jobId: id, assignTo: `job_result_${i}` }), 30000, 'r/job/result');
            if (reply.error) throw new Error(`r/job/result failed: ${reply.error.message}`);
            copies.push(reply.at - t0);
        }
        const copyMs = median(copies);
        row({ section: '14', measure: '1e6-element result copied to the global environment', result: ms(copyMs), target: '≤ 200 ms', verdict: verdict(copyMs <= 200) });
        // The console while two jobs keep both workers busy.
        const idle = (await roundTrips(client, 50, 400)).rtts;
        const busyJobs = [await start('t <- Sys.time(); while (Sys.time() - t < 60) NULL'), await start('t <- Sys.time(); while (Sys.time() - t < 60) NULL')];
        for (const id of busyJobs) await untilRunning(id);
        const loaded = (await roundTrips(client, 50, 400)).rtts;
        for (const id of busyJobs) await client.request('r/job/cancel', { jobId: id });
        const ratio = median(loaded) / median(idle);
        row({
            section: '14',
            measure: 'Round trip `1+1` while 2 jobs run',
            result: ms(median(loaded)),
            target: '≤ 2× idle',
            baseline: `idle ${ms(median(idle))}`,
            ratio: `${fmt(ratio)}×`,
            verdict: verdict(ratio <= 2),
        });
        details.push(
            '### 14. Background jobs',
            '',
            `Default plan: a pool of 2 local workers. Start → running is from sending r/job/start to the job's worker being known (its code has started). Cold (the controller and the pool start with the first job): ${ms(cold)}. Warm, 12 jobs one after another: ${warm.map((t) => fmt(t)).join(', ')} ms; median of the last 10 ${ms(warmMs)}.`,
            `A \`runif(1e6)\` result assigned with r/job/result: ${copies.map((t) => fmt(t)).join(', ')} ms (saveRDS in the controller, readRDS and assign in the kernel).`,
            `Round trip of \`1+1\` idle ${ms(median(idle))} (p99 ${ms(percentile(idle, 99))}), with two CPU-bound jobs on the machine's 2 cores ${ms(median(loaded))} (p99 ${ms(percentile(loaded, 99))}).`,
            '',
        );
    } finally {
        await bench.stopServer(client, 'jobs server');
    }
}

/**
 * 13: a client attaching to a live detached session, timed from connecting
 * to the answer of its first `1+1`; and round trips and pipelined
 * executions through the session's socket against a stdio server, in
 * alternating blocks in the same run.
 */
/**
 * 15: R's browser. A step (`n` answered → the next stop reported, R having
 * run one line) and the round trip of `1+1` while a document has
 * breakpoints (the kernel then looks for functions to put them in after
 * each execution) against none, with 1,000 globals.
 */
async function debugSection(): Promise<void> {
    const client = await startServer(serverCwd);
    try {
        const stops: number[] = [];
        let answers: string[] = [];
        client.onServerRequest = () => {
            stops.push(performance.now());
            return { result: { text: answers.shift() ?? 'c' } };
        };
        const steps = 40;
        const body = Array.from({ length: steps }, (_, i) => `  x <- ${i}`).join('\n');
        checkOk(await client.executeReply({ code: `stepper <- function() {\n  browser()\n${body}\n}` }), 'define');
        const durations: number[] = [];
        for (let round = 0; round < 3; round++) {
            stops.length = 0;
            answers = Array.from({ length: steps }, () => 'n');
            checkOk(await client.executeReply({ code: 'stepper()' }), 'stepper()');
            for (let i = 2; i < stops.length; i++) durations.push(stops[i] - stops[i - 1]);
        }
        const step = median(durations);
        row({
            section: '15',
            measure: 'Browser step: `n` answered → next stop reported (median)',
            result: ms(step),
            target: '≤ 100 ms to the editor (bench:vscode)',
            baseline: `p90 ${ms(percentile(durations, 90))}`,
            verdict: verdict(step <= 100),
        });
        checkOk(await client.executeReply({ code: 'for (i in 1:1000) assign(paste0("g", i), i); helper <- function(v) {\n  v + 1\n}' }), 'globals');
        const without = (await roundTrips(client, 30, 300)).rtts;
        const uri = 'file:///bench/breakpoints.R';
        const set = await client.request('r/setBreakpoints', { uri, text: 'helper <- function(v) {\n  v + 1\n}', breakpoints: [{ line: 1 }] });
        if (set.error) throw new Error(`r/setBreakpoints failed: ${set.error.message}`);
        const withBreakpoints = (await roundTrips(client, 30, 300)).rtts;
        await client.request('r/setBreakpoints', { uri, breakpoints: [] });
        const ratio = median(withBreakpoints) / median(without);
        row({
            section: '15',
            measure: 'Round trip `1+1` with breakpoints set (1,000 globals)',
            result: ms(median(withBreakpoints)),
            target: '≤ 1.2× without',
            baseline: `without ${ms(median(without))}`,
            ratio: `${fmt(ratio)}×`,
            verdict: verdict(ratio <= 1.2),
        });
    } finally {
        await bench.stopServer(client, 'debugging');
    }
}

async function sessionsSection(): Promise<void> {
    const registry = privateRegistry();
    const stdio = await startServer(serverCwd);
    try {
        const session = await startSession({ workspace: serverCwd });
        const options = { ...serverOptions(serverCwd), keep: [] };
        const first = await attach(session, options);
        await first.waitForIdle();
        await new Promise((resolve) => setTimeout(resolve, WARM_SESSION_MS));
        await first.stop();
        const attachTimes: number[] = [];
        for (let i = 0; i < 20; i++) {
            const t0 = performance.now();
            const client = await attach(session, options);
            const reply = await withTimeout(client.executeReply({ code: '1+1', executionId: `attach${i}` }), 10000, 'first answer');
            checkOk(reply, 'first answer');
            attachTimes.push(reply.at - t0);
            await client.stop();
        }
        const attachMs = median(attachTimes.slice(2));
        row({
            section: '13',
            measure: 'Attach to a live session → first answer (`1+1`)',
            result: ms(attachMs),
            target: '≤ 150 ms',
            baseline: `max ${ms(Math.max(...attachTimes))}`,
            verdict: verdict(attachMs <= 150),
        });
        const socket = await attach(session, options);
        const rtt = { socket: [] as number[], stdio: [] as number[] };
        const rate = { socket: [] as number[], stdio: [] as number[] };
        for (let block = 0; block < 4; block++) {
            for (const [name, client] of [
                ['socket', socket],
                ['stdio', stdio],
            ] as const) {
                rtt[name].push(...(await roundTrips(client, 50, 500)).rtts);
                const elapsed = await pipelined(client, 2500, `s${block}${name}`);
                rate[name].push(2500 / (elapsed / 1000));
                client.clearOutputs();
            }
        }
        const rttRatio = median(rtt.socket) / median(rtt.stdio);
        const rateRatio = median(rate.stdio) / median(rate.socket);
        row({
            section: '13',
            measure: 'Round trip `1+1` through the socket',
            result: ms(median(rtt.socket)),
            target: '≤ stdio (±10%)',
            baseline: `stdio ${ms(median(rtt.stdio))}`,
            ratio: `${fmt(rttRatio)}×`,
            verdict: verdict(rttRatio <= 1.1),
        });
        row({
            section: '13',
            measure: 'Pipelined `1+1` through the socket',
            result: `${fmt(median(rate.socket))} /s`,
            target: '≥ stdio (±10%)',
            baseline: `stdio ${fmt(median(rate.stdio))} /s`,
            ratio: `${fmt(rateRatio)}× slower`,
            verdict: verdict(rateRatio <= 1.1),
        });
        details.push(
            '### 13. Detached sessions',
            '',
            `A session started with \`server.js --session\` (its R warm), then 20 clients one after another, each timed from connecting to the socket (handshake, initialize, initialized) to the answer of its first \`1+1\`, and detaching: median of the last 18 ${ms(attachMs)}, all ${attachTimes.map((t) => fmt(t)).join(', ')} ms.`,
            `Then 4 alternating blocks on a client of the session and on a stdio server: 500 sequential \`1+1\` (after 50 warm-up) and 2,500 pipelined. Round trip median socket ${ms(median(rtt.socket))}, stdio ${ms(median(rtt.stdio))}; p99 socket ${ms(percentile(rtt.socket, 99))}, stdio ${ms(percentile(rtt.stdio, 99))}. Pipelined rates socket ${rate.socket.map((r) => fmt(r)).join(', ')} /s, stdio ${rate.stdio.map((r) => fmt(r)).join(', ')} /s.`,
            '',
        );
        await socket.stop();
    } finally {
        await stopAllSessions();
        await bench.stopServer(stdio, 'stdio server for section 13');
        fs.rmSync(registry, { recursive: true, force: true });
    }
}

/**
 * 8: the same workloads on the server of another revision (BENCH_BASELINE),
 * in alternating rounds with the current one (bench/baseline.ts).
 */
async function baselineSection(): Promise<void> {
    const revision = process.env.BENCH_BASELINE;
    if (!revision) return;
    const baseline = buildBaseline(revision);
    try {
        const compared = await compareWithBaseline(baseline, serverCwd, (client, what) => bench.stopServer(client, what));
        for (const c of compared) {
            const ratio = c.current / c.baseline;
            const worse = c.higherIsBetter ? ratio < 0.9 : ratio > 1.1;
            const show = (v: number) => (c.unit === 'ms' ? ms(v) : `${fmt(v)} /s`);
            row({
                section: '8',
                measure: `Against ${baseline.revision}: ${c.measure}`,
                result: show(c.current),
                target: 'no worse (±10%)',
                baseline: `${baseline.revision} ${show(c.baseline)}`,
                ratio: `${fmt(ratio)}×`,
                verdict: verdict(!worse),
            });
        }
        details.push(
            `### 8. Against ${baseline.revision}`,
            '',
            `The server of ${baseline.revision} (built in a temporary worktree) and the current one, each started fresh in alternating rounds (which of the two goes first alternates too; 10 rounds unless BENCH_BASELINE_ROUNDS says otherwise) and left idle for 3 s (both kernels compile their functions while R is idle after it starts; the start itself is section 7), with the same workloads (bench/baseline.ts: 400 round trips, 3,000 pipelined and 5 interrupts a round); medians over all rounds. "No worse" allows 10% for the machine's noise.`,
            '',
        );
    } finally {
        baseline.dispose();
    }
}

function finish(incomplete?: string): void {
    bench.finish(RESULTS, report(incomplete), summaryLines());
}

// ---------------------------------------------------------------------------

/** The whole run (bench/run.ts calls it): every section in turn, then the report. */
export async function main(): Promise<void> {
    if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first`);
    await bench.acquireLock();
    bench.machine = describeMachine();
    serverCwd = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-bench-'));
    const watchdog = bench.armTimeLimit(TIME_LIMIT_MS, (incomplete) => {
        finish(incomplete);
        killEverythingStarted();
    });
    try {
        await section('1 Raw pipe floor', floorSection);
        await section('2+3 Server latency', latencySections);
        await section('4 Output throughput', outputSection);
        await section('4b Server memory during 100 MB of output', memorySection);
        await section('5 Interrupt', interruptSection);
        await section('6 Changed-symbol bookkeeping', symbolsSection);
        await section('7 Kernel ready after spawn', startupSection);
        await section('9 Variable tracking per execution', variablesSection);
        await section('10 Plots', plotsSection);
        await section('11 Data viewer', dataViewSection);
        await section('12 Completion and help', languageSection);
        await section('13 Detached sessions', sessionsSection);
        await section('14 Background jobs', jobsSection);
        await section('15 Debugging', debugSection);
        await section('8 Against a baseline revision', baselineSection);
    } finally {
        clearTimeout(watchdog);
        bench.killLeftovers();
        fs.rmSync(serverCwd, { recursive: true, force: true });
    }
    finish();
}
