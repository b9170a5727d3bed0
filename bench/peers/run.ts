/**
 * The peer comparison (`npm run bench:peers`): the same workloads, in one
 * run, on
 *  - ours: dist/server.js over stdio, as a client sees it (test/support/wireClient.ts);
 *  - the raw pipe floor: bench/floor.R behind Node's stdio pipes, as in
 *    section 1 of bench/run.ts;
 *  - Rserve (Debian r-cran-rserve), driven by the npm client rserve-client;
 *  - callr::r_session (Debian r-cran-callr), driven and timed inside R
 *    (bench/peers/callr.R);
 *  - IRkernel (Debian r-cran-irkernel), over Jupyter messaging v5 on ZeroMQ
 *    (bench/peers/jupyter.ts).
 * Workloads, where a peer supports them: round trip of `1+1`; 10,000
 * executions sent at once (or one after the other where the peer cannot
 * take more than one); `print(1:1e6)` delivered; interrupt of
 * `Sys.sleep(100)` back to ready; spawn to the first `1+1` answer.
 *
 * Writes bench/peers.md and prints a summary. Every wait has a time limit,
 * the whole run has one (under five minutes), every process started is
 * killed by its pid (Rserve by its process group, then looked for by its
 * configuration file and its port), and everything listens on 127.0.0.1.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { ROOT, SERVER } from '../../test/support/paths';
import { killEverythingStarted, listeningAddresses, pidsWithArg, track, trackPid } from '../../test/support/procs';
import { cell, fmt, mb, mean, median, ms, percentile } from '../../test/support/stats';
import { sleep, withTimeout } from '../../test/support/time';
import { WireClient } from '../../test/support/wireClient';
import { BENCH, BenchRun, FloorProcess, checkOk, machineLine, runProgram, serverOptions, startServer } from '../common';
import { describeMachine, run } from '../machine';
import { floorPipelined, floorRoundTrips, interruptOnce, pipelined, roundTrips } from '../workloads';
import { JupyterKernel } from './jupyter';
import { QapConnection, RSERVE_BINARY, RserveServer, stringArrayText } from './rserve';

// ---------------------------------------------------------------------------
// Where things are

const CALLR_DRIVER = path.join(BENCH, 'peers', 'callr.R');
const RESULTS = path.join(BENCH, 'peers.md');

/** The whole run must stay under about five minutes; past this it reports what it has and stops. */
const TIME_LIMIT_MS = 290_000;

const PEERS = ['ours', 'floor', 'Rserve', 'callr', 'IRkernel'] as const;
type Peer = (typeof PEERS)[number];
const PEER_NAMES: Record<Peer, string> = {
    ours: 'Ours (dist/server.js)',
    floor: 'Raw pipe floor',
    Rserve: 'Rserve',
    callr: 'callr::r_session',
    IRkernel: 'IRkernel',
};

/**
 * Counts per peer. The slow peers get fewer iterations so that the whole
 * run stays within its time limit; every figure states its count.
 */
const COUNTS: Record<Peer, { warmup: number; rtt: number; many: number; manyReps: number; print: number; interrupt: number; startup: number }> = {
    ours: { warmup: 300, rtt: 3000, many: 10_000, manyReps: 3, print: 3, interrupt: 5, startup: 5 },
    floor: { warmup: 300, rtt: 3000, many: 10_000, manyReps: 3, print: 3, interrupt: 0, startup: 5 },
    Rserve: { warmup: 300, rtt: 3000, many: 10_000, manyReps: 1, print: 3, interrupt: 5, startup: 5 },
    // ~14 ms per rs$run(): 10,000 would take over two minutes.
    callr: { warmup: 20, rtt: 300, many: 500, manyReps: 1, print: 2, interrupt: 5, startup: 3 },
    // ~9 ms per execution; print(1:1e6) takes IRkernel over 30 s (see the report).
    IRkernel: { warmup: 20, rtt: 300, many: 1000, manyReps: 1, print: 1, interrupt: 5, startup: 3 },
};

const PRINT_CODE = 'print(1:1e6)';
/** IRkernel needs about a minute for print(1:1e6) on this machine; past this it counts as "more than". */
const IRKERNEL_PRINT_DEADLINE_MS = 100_000;
/** What print(1:1e6) writes with max.print large enough (checked against every peer's delivery). */
const PRINT_BYTES = 9_250_000;
/** Streaming probes: does output reach the client while the code still runs? */
const STREAM_PROBES = [
    { name: 'one expression', code: 'for (i in 1:3) { cat(i, "\\n"); Sys.sleep(0.25) }' },
    { name: 'three expressions', code: 'cat(1, "\\n"); Sys.sleep(0.5); cat(2, "\\n")' },
];

// ---------------------------------------------------------------------------
// What the run gathers

interface Stat {
    median: number;
    p99?: number;
    values: number[];
    note?: string;
    /** The workload did not finish within its deadline: the figure is a lower bound. */
    lowerBound?: boolean;
}

interface PeerResult {
    rtt?: Stat;
    /** Per execution (ms), of `many` executions. */
    many?: Stat & { mode: 'pipelined' | 'sequential'; count: number; rate: number };
    print?: Stat & { bytes: number };
    interruptAnswer?: Stat;
    interruptNext?: Stat;
    startup?: Stat;
    /** Streaming probes: time to the first output and to the answer (ms). */
    streaming?: { name: string; firstOutput: number; answer: number }[];
    /** Why a workload has no figure. */
    unsupported: Partial<Record<Workload, string>>;
    notes: string[];
}

type Workload = 'rtt' | 'many' | 'print' | 'interrupt' | 'startup';

const results = Object.fromEntries(PEERS.map((p) => [p, { unsupported: {}, notes: [] } as PeerResult])) as Record<Peer, PeerResult>;
const bench = new BenchRun('peers');
const { problems, log } = bench;
let workDir = '';

function stat(values: number[], note?: string): Stat {
    return { median: median(values), p99: values.length >= 100 ? percentile(values, 99) : undefined, values, note };
}

/** Runs one workload of a peer; a failure is recorded against that workload only. */
async function workload(peer: Peer, what: string, work: () => Promise<void>): Promise<void> {
    try {
        await work();
    } catch (e) {
        const message = (e as Error).message ?? String(e);
        problems.push(`${PEER_NAMES[peer]}, ${what}: ${message}`);
        log(`  ${peer} ${what} failed: ${message}`);
    }
}

// ---------------------------------------------------------------------------
// Ours

async function oursSection(): Promise<void> {
    const r = results.ours;
    const c = COUNTS.ours;
    const client = await startServer(workDir);
    try {
        await workload('ours', 'round trip', async () => {
            const { rtts, wrongText } = await roundTrips(client, c.warmup, c.rtt);
            if (wrongText) throw new Error(`${wrongText} round trips without the output \`[1] 2\``);
            r.rtt = stat(rtts);
        });
        client.clearOutputs();
        await workload('ours', 'pipelined', async () => {
            const perExecution: number[] = [];
            for (let rep = 0; rep < c.manyReps; rep++) perExecution.push((await pipelined(client, c.many, `p${rep}`)) / c.many);
            r.many = { ...stat(perExecution), mode: 'pipelined', count: c.many, rate: 1000 / median(perExecution) };
        });
        await workload('ours', 'print', async () => {
            checkOk(await withTimeout(client.executeReply({ code: 'options(max.print = 1e7)' }), 10000, 'options'), 'options(max.print)');
            const times: number[] = [];
            let bytes = 0;
            for (let rep = 0; rep < c.print; rep++) {
                const id = `print${rep}`;
                const t0 = performance.now();
                const reply = await withTimeout(client.executeReply({ code: PRINT_CODE, executionId: id }), 60000, PRINT_CODE);
                checkOk(reply, PRINT_CODE);
                times.push(reply.at - t0);
                bytes = client.outputs.get(id)?.bytes ?? 0;
                if (bytes !== PRINT_BYTES) throw new Error(`${PRINT_CODE} delivered ${bytes} bytes, expected ${PRINT_BYTES}`);
                client.clearOutputs();
            }
            r.print = { ...stat(times), bytes };
        });
        await workload('ours', 'streaming probes', async () => {
            r.streaming = [];
            for (const probe of STREAM_PROBES) {
                const id = `stream-${probe.name}`;
                const t0 = performance.now();
                const reply = await withTimeout(client.executeReply({ code: probe.code, executionId: id }), 10000, probe.name);
                checkOk(reply, probe.name);
                const first = client.outputs.get(id)?.firstAt;
                if (first === undefined) throw new Error(`no output for the streaming probe ${probe.name}`);
                r.streaming.push({ name: probe.name, firstOutput: first - t0, answer: reply.at - t0 });
            }
            client.clearOutputs();
        });
        await workload('ours', 'interrupt', async () => {
            const toAnswer: number[] = [];
            const toNext: number[] = [];
            for (let i = 0; i < c.interrupt; i++) {
                const timing = await interruptOnce(client, 'Sys.sleep(100)', `int${i}`);
                toAnswer.push(timing.toAnswer);
                toNext.push(timing.toNext);
            }
            r.interruptAnswer = stat(toAnswer, 'r/interrupt → execution answered `interrupted`');
            r.interruptNext = stat(toNext);
        });
    } finally {
        await bench.stopServer(client, 'ours');
    }
    await workload('ours', 'start-up', async () => {
        const times: number[] = [];
        for (let i = 0; i < c.startup; i++) {
            const fresh = new WireClient(serverOptions(workDir));
            try {
                await fresh.initialize(undefined, 30000);
                // Sent right after initialize answers; the server queues it until R is ready.
                const reply = await withTimeout(fresh.executeReply({ code: '1+1', executionId: 'first' }), 30000, 'the first 1+1');
                checkOk(reply, 'the first 1+1');
                times.push(reply.at - fresh.spawnedAt);
            } finally {
                await bench.stopServer(fresh, 'ours (start-up)');
            }
        }
        r.startup = stat(times, 'spawn of `node dist/server.js --stdio` → initialize → r/execute `1+1` answered');
    });
}

// ---------------------------------------------------------------------------
// The raw pipe floor (bench/floor.R, driven by FloorProcess of bench/common.ts as in section 1 of `npm run bench`)

async function floorSection(): Promise<void> {
    const r = results.floor;
    const c = COUNTS.floor;
    const floor = new FloorProcess();
    try {
        await workload('floor', 'round trip', async () => {
            r.rtt = stat(await floorRoundTrips(floor, c.warmup, c.rtt));
        });
        await workload('floor', 'pipelined', async () => {
            const perExecution: number[] = [];
            for (let rep = 0; rep < c.manyReps; rep++) perExecution.push((await floorPipelined(floor, c.many)) / c.many);
            r.many = { ...stat(perExecution), mode: 'pipelined', count: c.many, rate: 1000 / median(perExecution) };
        });
        await workload('floor', 'print', async () => {
            floor.write('options(max.print = 1e7)\n');
            await floor.until(floor.sentinels + 1, 5000);
            const times: number[] = [];
            const reads: number[] = [];
            let bytes = 0;
            for (let rep = 0; rep < c.print; rep++) {
                const before = floor.bytes;
                const readsBefore = floor.reads;
                const t0 = performance.now();
                floor.write(`${PRINT_CODE}\n`);
                const at = await floor.until(floor.sentinels + 1, 60000);
                times.push(at - t0);
                reads.push(floor.reads - readsBefore);
                bytes = floor.bytes - before;
                if (bytes !== PRINT_BYTES) throw new Error(`${PRINT_CODE} delivered ${bytes} bytes, expected ${PRINT_BYTES}`);
            }
            r.print = { ...stat(times), bytes };
            r.notes.push(
                `\`${PRINT_CODE}\` reached Node in a median of ${median(reads).toLocaleString('en-US')} reads: R writes console output unbuffered, element by element (about 1.25 million write() calls for this print, counted by hand with strace), and every write wakes the reader. That is why the floor's print is slower than ours, whose kernel batches its output.`,
            );
        });
    } finally {
        await floor.stop();
    }
    r.unsupported.interrupt = 'bench/floor.R has no interrupt handling: SIGINT ends the non-interactive Rscript';
    r.notes.push('Output is Rscript\'s block-buffered stdout, flushed with the sentinel after each line of code: it is not streamed (the floor is a lower bound, not a usable client).');
    await workload('floor', 'start-up', async () => {
        const times: number[] = [];
        for (let i = 0; i < c.startup; i++) {
            const fresh = new FloorProcess();
            try {
                fresh.write('1+1\n');
                const at = await fresh.until(1, 30000);
                if (!fresh.text.startsWith('[1] 2\n')) throw new Error(`the floor loop printed ${JSON.stringify(fresh.text.slice(0, 40))} first`);
                times.push(at - fresh.spawnedAt);
            } finally {
                await fresh.stop();
            }
        }
        r.startup = stat(times, 'spawn of `Rscript bench/floor.R`, `1+1` written at once → its sentinel read');
    });
}

// ---------------------------------------------------------------------------
// Rserve

async function rserveSection(): Promise<void> {
    const r = results.Rserve;
    const c = COUNTS.Rserve;
    if (!fs.existsSync(RSERVE_BINARY)) throw new Error(`${RSERVE_BINARY} is missing: run bench/install-peers.sh as root`);
    const server = await RserveServer.spawn(workDir);
    try {
        const client = await server.connect(15000);
        const addresses = server.addresses();
        r.notes.push(`Listening on ${addresses.join(', ') || '(nothing found)'} port ${server.port} (configuration: remote disable, daemon disable).`);
        if (addresses.some((a) => a !== '127.0.0.1')) problems.push(`Rserve listens on ${addresses.join(', ')}, not only on 127.0.0.1`);
        try {
            await workload('Rserve', 'round trip', async () => {
                const rtts: number[] = [];
                for (let i = 0; i < c.warmup + c.rtt; i++) {
                    const t0 = performance.now();
                    const { value, error, at } = await withTimeout(client.evaluate('1+1'), 5000, 'Rserve 1+1');
                    if (error || value !== 2) throw new Error(`1+1 answered ${String(error ?? value)}`);
                    if (i >= c.warmup) rtts.push(at - t0);
                }
                r.rtt = stat(rtts);
            });
            await workload('Rserve', 'sequential', async () => {
                // rserve-client has one answer handler per connection: a
                // second evaluate() before the first answers loses an answer,
                // so the executions go one after the other.
                const t0 = performance.now();
                let last = t0;
                for (let i = 0; i < c.many; i++) {
                    const { value, error, at } = await withTimeout(client.evaluate('1+1'), 5000, 'Rserve 1+1');
                    if (error || value !== 2) throw new Error(`1+1 answered ${String(error ?? value)}`);
                    last = at;
                }
                const per = (last - t0) / c.many;
                r.many = { ...stat([per]), mode: 'sequential', count: c.many, rate: 1000 / per };
            });
            await workload('Rserve', 'pipelining attempt', async () => {
                // For the record: the protocol has no message ids in this
                // mode, but TCP would carry commands written ahead.
                const qap = await server.connectQap();
                let closed = false;
                (qap as unknown as { socket: { on: (e: string, f: () => void) => void } }).socket.on('close', () => (closed = true));
                try {
                    const n = 10_000;
                    let answered = 0;
                    const answers = qap.send(Buffer.concat(Array(n).fill(QapConnection.evalCommand('1+1'))), n);
                    for (const a of answers) void a.then(() => answered++);
                    const t0 = performance.now();
                    const ok = await withTimeout(Promise.all(answers), 5000, 'pipelined QAP1 answers').then(
                        (all) => all.every((a) => a.ok),
                        () => false,
                    );
                    r.notes.push(
                        ok
                            ? `Pipelining attempt: ${n.toLocaleString('en-US')} CMD_eval written at once on a bare QAP1 connection were all answered in ${ms(performance.now() - t0)}.`
                            : `Pipelining attempt: of ${n.toLocaleString('en-US')} CMD_eval written at once on a bare QAP1 connection, ${answered.toLocaleString('en-US')} were answered, then ${closed ? 'Rserve closed the connection' : 'nothing more came within 5 s'}: Rserve does not take commands written ahead, so the figure above is sequential.`,
                    );
                } finally {
                    qap.end();
                }
            });
            await workload('Rserve', 'print', async () => {
                // QAP1 does not carry console output: R's stdout goes to
                // Rserve's own stdout. The printed text is captured in R and
                // returned as a string, over a bare QAP1 connection (see
                // QapConnection for why not rserve-client).
                const qap = await server.connectQap();
                try {
                    const setup = await withTimeout(qap.eval('options(max.print = 1e7)'), 5000, 'options');
                    if (!setup.ok) throw new Error('options(max.print) failed');
                    const code = `local({ rc <- rawConnection(raw(0), "w"); sink(rc); on.exit({ sink(); close(rc) }); ${PRINT_CODE}; rawToChar(rawConnectionValue(rc)) })`;
                    const times: number[] = [];
                    let bytes = 0;
                    for (let rep = 0; rep < c.print; rep++) {
                        const t0 = performance.now();
                        const answer = await withTimeout(qap.eval(code), 60000, `${PRINT_CODE} on Rserve`);
                        if (!answer.ok) throw new Error(`${PRINT_CODE} answered an error`);
                        times.push(answer.at - t0);
                        bytes = stringArrayText(answer.payload).bytes;
                        if (bytes !== PRINT_BYTES) throw new Error(`${PRINT_CODE} delivered ${bytes} bytes, expected ${PRINT_BYTES}`);
                    }
                    r.print = {
                        ...stat(times, 'captured in R with sink() into a rawConnection and returned as one string after the call (no streaming); bare QAP1 connection'),
                        bytes,
                    };
                } finally {
                    qap.end();
                }
            });
            await workload('Rserve', 'interrupt', async () => {
                const child = await client.childPid();
                const toAnswer: number[] = [];
                const toNext: number[] = [];
                for (let i = 0; i < c.interrupt; i++) {
                    const sleeping = client.evaluate('Sys.sleep(100)');
                    await sleep(300);
                    const t0 = performance.now();
                    process.kill(child, 'SIGINT');
                    const answer = await withTimeout(sleeping, 10000, 'the interrupted Sys.sleep(100) on Rserve');
                    if (!answer.error || !/127/.test(answer.error.message)) throw new Error(`the interrupted Sys.sleep(100) answered ${String(answer.error ?? answer.value)}`);
                    const next = await withTimeout(client.evaluate('1+1'), 10000, '1+1 after the interrupt');
                    if (next.error || next.value !== 2) throw new Error(`1+1 after the interrupt answered ${String(next.error ?? next.value)}`);
                    toAnswer.push(answer.at - t0);
                    toNext.push(next.at - t0);
                }
                r.interruptAnswer = stat(toAnswer, "SIGINT to the connection's forked R process (no interrupt command in the protocol) → error 127 answered");
                r.interruptNext = stat(toNext);
            });
        } finally {
            client.end();
        }
    } finally {
        const left = await server.stop();
        if (left.length) problems.push(`Rserve: ${left.join('; ')}`);
    }
    await workload('Rserve', 'start-up', async () => {
        const times: number[] = [];
        for (let i = 0; i < c.startup; i++) {
            const fresh = await RserveServer.spawn(workDir);
            try {
                const client = await fresh.connect(30000);
                const { value, error, at } = await withTimeout(client.evaluate('1+1'), 10000, 'the first 1+1 on Rserve');
                client.end();
                if (error || value !== 2) throw new Error(`the first 1+1 answered ${String(error ?? value)}`);
                times.push(at - fresh.spawnedAt);
            } finally {
                const left = await fresh.stop();
                if (left.length) problems.push(`Rserve (start-up): ${left.join('; ')}`);
            }
        }
        r.startup = stat(times, 'spawn of `R CMD Rserve` → connect (retried every 2 ms) → `1+1` answered');
    });
}

// ---------------------------------------------------------------------------
// callr::r_session, timed inside R

async function callrSection(): Promise<void> {
    const r = results.callr;
    const c = COUNTS.callr;
    const args = [c.warmup, c.rtt, c.many, c.print, c.interrupt, c.startup].map(String);
    const values = new Map<string, number[]>();
    let stderr = '';
    let done = false;
    const child = track(spawn('Rscript', [CALLR_DRIVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-3000)));
    let carry = '';
    child.stdout!.on('data', (d: Buffer) => {
        const lines = (carry + d.toString()).split('\n');
        carry = lines.pop()!;
        for (const line of lines) {
            const words = line.trim().split(/\s+/);
            // Sessions are counted as the benchmark's own CPU and killed at the end if still there.
            if (words[0] === 'PID') trackPid(Number(words[1]));
            if (words[0] === 'RESULT') values.set(words[1], words[2].split(',').map(Number));
            if (words[0] === 'DONE') done = true;
        }
    });
    const code = await withTimeout(new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))), 150000, 'the callr driver').catch((e) => {
        child.kill('SIGKILL');
        throw e;
    });
    if (code !== 0 || !done) problems.push(`callr driver exited with ${code}${done ? '' : ' before finishing'}: ${stderr.slice(-600)}`);
    const ms1000 = (key: string) => values.get(key)?.map((s) => s * 1000);
    const rtt = ms1000('rtt');
    if (rtt) r.rtt = stat(rtt, 'rs$run(function() 1 + 1), timed in R');
    const sequential = ms1000('sequential');
    if (sequential) r.many = { ...stat([sequential[0] / c.many]), mode: 'sequential', count: c.many, rate: (1000 * c.many) / sequential[0] };
    const print = ms1000('print');
    const printBytes = values.get('printBytes');
    if (print && printBytes) {
        if (printBytes.some((b) => b !== PRINT_BYTES)) problems.push(`callr: ${PRINT_CODE} delivered ${printBytes.join(', ')} bytes, expected ${PRINT_BYTES}`);
        r.print = { ...stat(print, 'rs$run_with_output(function() { print(1:1e6); NULL }): stdout goes to a temporary file, returned after the call (no streaming)'), bytes: printBytes[0] };
    }
    const interrupt = ms1000('interrupt');
    if (interrupt) r.interruptAnswer = stat(interrupt, "rs$interrupt() (SIGINT) → the call's interrupt error read");
    const next = ms1000('interruptNext');
    if (next) r.interruptNext = stat(next);
    const startup = ms1000('startup');
    if (startup) r.startup = stat(startup, 'r_session$new() (waits for ready) → first rs$run(1+1) answered, timed in the driver R process (its own start-up not included)');
    const ready = ms1000('ready');
    if (ready) r.notes.push(`r_session$new() alone: median ${ms(median(ready))}.`);
    r.notes.push(
        'Output: rs$run() discards the call\'s stdout; rs$run_with_output() returns it after the call, from a temporary file. There is no way to receive output while a call runs: no streaming.',
        'Round trips and start-up are timed inside R (Sys.time()), not from Node: callr is an R API, its client is an R process.',
    );
}

// ---------------------------------------------------------------------------
// IRkernel

async function irkernelSection(): Promise<void> {
    const r = results.IRkernel;
    const c = COUNTS.IRkernel;
    const kernel = await JupyterKernel.spawn(workDir);
    try {
        await kernel.waitForIopub(30000);
        const ports = [kernel.connection.shell_port, kernel.connection.iopub_port, kernel.connection.stdin_port, kernel.connection.control_port, kernel.connection.hb_port];
        const addresses = [...new Set(ports.flatMap((p) => listeningAddresses(p)))];
        r.notes.push(`Listening on ${addresses.join(', ') || '(nothing found)'} (connection file ip 127.0.0.1).`);
        if (addresses.some((a) => a !== '127.0.0.1')) problems.push(`IRkernel listens on ${addresses.join(', ')}, not only on 127.0.0.1`);
        const executeOk = async (code: string, timeoutMs: number) => {
            const e = await kernel.execute(code);
            await withTimeout(e.done, timeoutMs, `IRkernel: ${code.slice(0, 40)}`);
            if (e.reply?.content.status !== 'ok') throw new Error(`${code.slice(0, 40)} answered ${JSON.stringify(e.reply?.content).slice(0, 200)}`);
            return e;
        };
        await workload('IRkernel', 'round trip', async () => {
            const rtts: number[] = [];
            for (let i = 0; i < c.warmup + c.rtt; i++) {
                const e = await executeOk('1+1', 10000);
                if (e.result !== '[1] 2') throw new Error(`1+1 displayed ${JSON.stringify(e.result)}`);
                if (i >= c.warmup) rtts.push(e.idleAt! - e.sentAt);
            }
            r.rtt = stat(rtts, 'execute_request sent → iopub status idle (and execute_reply) received');
        });
        await workload('IRkernel', 'pipelined', async () => {
            const { sentAt, executions } = await kernel.executeMany(Array(c.many).fill('1+1'));
            await withTimeout(Promise.all(executions.map((e) => e.done)), 60000, `${c.many} pipelined executions`);
            const bad = executions.filter((e) => e.reply?.content.status !== 'ok' || e.result !== '[1] 2').length;
            if (bad) throw new Error(`${bad} of ${c.many} pipelined executions failed`);
            const per = (Math.max(...executions.map((e) => e.idleAt!)) - sentAt) / c.many;
            r.many = { ...stat([per]), mode: 'pipelined', count: c.many, rate: 1000 / per };
        });
        await workload('IRkernel', 'streaming probes', async () => {
            r.streaming = [];
            for (const probe of STREAM_PROBES) {
                const e = await executeOk(probe.code, 10000);
                if (e.firstStreamAt === undefined) throw new Error(`no stream message for the probe ${probe.name}`);
                r.streaming.push({ name: probe.name, firstOutput: e.firstStreamAt - e.sentAt, answer: e.idleAt! - e.sentAt });
            }
        });
        await workload('IRkernel', 'interrupt_request probe', async () => {
            // Whether the kernel honours interrupt_request on control: given
            // one second, then SIGINT ends the execution either way.
            const sleeping = await kernel.execute('Sys.sleep(100)');
            await sleep(300);
            const request = await kernel.controlRequest('interrupt_request', {});
            const t0 = performance.now();
            const answered = await Promise.race([sleeping.done.then(() => true), sleep(1000).then(() => false)]);
            const replied = request.reply !== undefined;
            if (!answered) process.kill(kernel.pid, 'SIGINT');
            await withTimeout(sleeping.done, 10000, 'Sys.sleep(100) after interrupt_request and SIGINT');
            r.notes.push(
                answered
                    ? `interrupt_request on control ended the execution after ${ms(sleeping.idleAt! - t0)} (status ${String(sleeping.reply?.content.status)}).`
                    : `interrupt_request on control, checked in this run: no effect within 1 s and ${replied ? 'an interrupt_reply came' : 'no interrupt_reply'}; SIGINT then ended the execution.`,
            );
        });
        await workload('IRkernel', 'interrupt', async () => {
            const toAnswer: number[] = [];
            const toNext: number[] = [];
            for (let i = 0; i < c.interrupt; i++) {
                const sleeping = await kernel.execute('Sys.sleep(100)');
                await sleep(300);
                const t0 = performance.now();
                // The kernel spec has no interrupt_mode, so it is "signal":
                // SIGINT to the kernel process (IRkernel answers only
                // shutdown_request on control).
                process.kill(kernel.pid, 'SIGINT');
                await withTimeout(sleeping.done, 10000, 'the interrupted Sys.sleep(100) on IRkernel');
                if (sleeping.reply?.content.status !== 'abort') throw new Error(`the interrupted Sys.sleep(100) answered ${JSON.stringify(sleeping.reply?.content)}`);
                const next = await executeOk('1+1', 10000);
                if (next.result !== '[1] 2') throw new Error(`1+1 after the interrupt displayed ${JSON.stringify(next.result)}`);
                toAnswer.push(sleeping.idleAt! - t0);
                toNext.push(next.idleAt! - t0);
            }
            r.interruptAnswer = stat(toAnswer, "SIGINT to the kernel (the kernel spec's interrupt_mode is the default, signal) → execute_reply `abort` and status idle");
            r.interruptNext = stat(toNext);
        });
        // Last on this kernel: IRkernel takes tens of seconds over it, and
        // past the deadline the kernel is still busy and is killed.
        await workload('IRkernel', 'print', async () => {
            await executeOk('options(max.print = 1e7)', 10000);
            const times: number[] = [];
            let bytes = 0;
            for (let rep = 0; rep < c.print; rep++) {
                const e = await kernel.execute(PRINT_CODE);
                const finished = await withTimeout(e.done, IRKERNEL_PRINT_DEADLINE_MS, PRINT_CODE).then(
                    () => true,
                    () => false,
                );
                if (!finished) {
                    r.print = {
                        ...stat([IRKERNEL_PRINT_DEADLINE_MS], `did not finish within ${IRKERNEL_PRINT_DEADLINE_MS / 1000} s (${mb(e.streamBytes)} of stream messages had arrived)`),
                        lowerBound: true,
                        bytes: e.streamBytes,
                    };
                    return;
                }
                if (e.reply?.content.status !== 'ok') throw new Error(`${PRINT_CODE} answered ${JSON.stringify(e.reply?.content).slice(0, 200)}`);
                times.push(e.idleAt! - e.sentAt);
                bytes = e.streamBytes;
                if (bytes !== PRINT_BYTES) throw new Error(`${PRINT_CODE} delivered ${bytes} bytes, expected ${PRINT_BYTES}`);
            }
            r.print = { ...stat(times, 'stream messages on iopub until status idle'), bytes };
        });
    } finally {
        if (!(await kernel.stop()) && !results.IRkernel.print?.lowerBound) problems.push('IRkernel did not exit within 3 s of shutdown_request and was killed');
    }
    await workload('IRkernel', 'start-up', async () => {
        const times: number[] = [];
        for (let i = 0; i < c.startup; i++) {
            const fresh = await JupyterKernel.spawn(workDir);
            try {
                // Sent at once: ZeroMQ queues it until the kernel has bound
                // shell. iopub may miss the first messages (a SUB socket only
                // gets what is published after it connected), so the answer
                // here is the execute_reply on shell.
                const e = await fresh.execute('1+1');
                await withTimeout(
                    (async () => {
                        while (!e.reply) {
                            if (fresh.exited) throw new Error(`IRkernel exited: ${fresh.stderrTail.slice(-300)}`);
                            await sleep(1);
                        }
                    })(),
                    30000,
                    'the first execute_reply',
                );
                if (e.reply!.content.status !== 'ok') throw new Error(`the first 1+1 answered ${JSON.stringify(e.reply!.content)}`);
                times.push(e.reply!.at - fresh.spawnedAt);
            } finally {
                if (!(await fresh.stop())) problems.push('IRkernel (start-up) did not exit within 3 s of shutdown_request and was killed');
            }
        }
        r.startup = stat(times, 'spawn of `R --slave -e IRkernel::main()`, execute_request sent at once → execute_reply received');
    });
    r.notes.push(
        "Interrupt: IRkernel 1.3.2 handles only shutdown_request on the control channel (Kernel$handle_control), and reads control only between executions; interrupt_request is not supported, SIGINT is (the kernel spec's interrupt_mode defaults to signal).",
        'Output is captured by the evaluate package per top-level expression and published when that expression has finished: a loop or a long call shows nothing until it ends (see the streaming probes). Values are published as display_data with text/plain, text/html, text/markdown and text/latex.',
    );
}

// ---------------------------------------------------------------------------
// The report

const SUPPORT: Record<Peer, { pipelining: string; streaming: string; interrupt: string }> = {
    ours: {
        pipelining: 'yes (requests with ids; the server sends executions ahead to R)',
        streaming: 'yes: r/output notifications while the code runs',
        interrupt: 'yes: r/interrupt (protocol request)',
    },
    floor: {
        pipelining: 'yes (lines written ahead)',
        streaming: 'no (block-buffered stdout; a baseline, not a client)',
        interrupt: 'no (floor.R has no handler; SIGINT ends it)',
    },
    Rserve: {
        pipelining: 'no (rserve-client: one request at a time; bare QAP1 written ahead: see notes)',
        streaming: 'no: QAP1 returns values only; printed output is not sent to the client (console OOB messages exist only for WebSocket/OCAP clients, not rserve-client)',
        interrupt: "no protocol command; locally, SIGINT to the connection's forked process works (error 127)",
    },
    callr: {
        pipelining: 'no (one call at a time per session)',
        streaming: 'no: output only after the call (rs$run_with_output)',
        interrupt: 'yes: rs$interrupt() (SIGINT)',
    },
    IRkernel: {
        pipelining: 'yes (execute_requests queue on shell)',
        streaming: 'partly: stream messages on iopub, but per top-level expression, after it finishes',
        interrupt: 'yes: SIGINT (interrupt_mode signal); interrupt_request not handled',
    },
};

/** A cell of the results table: the figure of valueOf(), or why there is none. */
function cellOf(peer: Peer, w: Workload | 'rttP99' | 'interruptNext'): string {
    const r = results[peer];
    const value = valueOf(peer, w);
    if (value === undefined) {
        if (w === 'rttP99' && r.rtt) return 'n/a (<100 samples)';
        const workload = w === 'rttP99' ? 'rtt' : w === 'interruptNext' ? 'interrupt' : w;
        return r.unsupported[workload] ? 'not supported' : 'failed (see problems)';
    }
    if (w === 'many') return `${ms(value)} (${fmt(r.many!.rate)}/s, ${r.many!.count.toLocaleString('en-US')} ${r.many!.mode})`;
    // A print that did not finish by its deadline: its figure is a lower bound.
    if (w === 'print' && r.print!.lowerBound) return `> ${ms(value)}`;
    return ms(value);
}

function valueOf(peer: Peer, w: Workload | 'rttP99' | 'interruptNext'): number | undefined {
    const r = results[peer];
    switch (w) {
        case 'rtt':
            return r.rtt?.median;
        case 'rttP99':
            return r.rtt?.p99;
        case 'many':
            return r.many?.median;
        case 'print':
            return r.print?.median;
        case 'interrupt':
            return r.interruptAnswer?.median;
        case 'interruptNext':
            return r.interruptNext?.median;
        case 'startup':
            return r.startup?.median;
    }
}

const ROWS: [Workload | 'rttP99' | 'interruptNext', string][] = [
    ['rtt', 'Round trip `1+1` (median)'],
    ['rttP99', 'Round trip `1+1` (p99)'],
    ['many', 'Many `1+1`: time per execution'],
    ['print', '`print(1:1e6)` delivered (9.25 MB)'],
    ['interrupt', 'Interrupt `Sys.sleep(100)` → its answer'],
    ['interruptNext', 'Interrupt → next `1+1` answered (ready)'],
    ['startup', 'Spawn → first `1+1` answered'],
];

function ratio(peer: Peer, w: Workload | 'rttP99' | 'interruptNext'): number | undefined {
    const ours = valueOf('ours', w);
    const theirs = valueOf(peer, w);
    return ours !== undefined && theirs !== undefined && theirs > 0 ? ours / theirs : undefined;
}

function ratioCell(peer: Peer, w: Workload | 'rttP99' | 'interruptNext'): string {
    const x = ratio(peer, w);
    if (x === undefined) return '—';
    // Against a lower bound of the peer's time, our ratio is an upper bound.
    const bound = w === 'print' && results[peer].print?.lowerBound ? '< ' : '';
    return x < 1 ? `**${bound}${fmt(x)}×**` : `${bound}${fmt(x)}×`;
}

/** The goal stated by the issue, checked against this run's figures. */
function goal(): string[] {
    const lines: string[] = [];
    const floorRows: [Workload | 'rttP99', string][] = [
        ['rtt', 'round trip (median)'],
        ['rttP99', 'round trip (p99)'],
        ['many', 'many executions'],
        ['print', 'print(1:1e6)'],
        ['startup', 'start-up'],
    ];
    const floorChecks = floorRows.map(([w, name]) => ({ name, x: ratio('floor', w) }));
    const measured = floorChecks.filter((c) => c.x !== undefined);
    const within = measured.filter((c) => c.x! <= 3);
    const floorHolds = measured.length === floorChecks.length && within.length === measured.length;
    lines.push(
        `- **Within 3× of the raw pipe floor: ${floorHolds ? 'holds' : 'does NOT hold'}.** ` +
            floorChecks.map((c) => `${c.name} ${c.x === undefined ? 'not measured' : `${fmt(c.x)}×${c.x > 3 ? ' (over 3×)' : ''}`}`).join('; ') +
            '. (The floor has no interrupt to compare with.)',
    );
    // Peers that offer both streaming output and interrupts.
    const qualifying: Peer[] = ['IRkernel'];
    for (const peer of qualifying) {
        const checks = ROWS.map(([w, name]) => ({ name, x: ratio(peer, w) })).filter((c) => c.x !== undefined);
        const behind = checks.filter((c) => c.x! >= 1);
        lines.push(
            `- **Ahead of ${PEER_NAMES[peer]} (offers interrupts and, per top-level expression, streamed output): ${checks.length && !behind.length ? 'holds' : 'does NOT hold'}** on every workload both support` +
                (behind.length ? `; behind on ${behind.map((c) => `${c.name} (${fmt(c.x!)}×)`).join(', ')}` : '') +
                '.',
        );
    }
    lines.push(
        '- Rserve offers neither streamed output nor an interrupt through its client protocol, and callr offers interrupts but no streamed output, so the goal does not require ours to be ahead of them; the comparison is reported anyway: ' +
            (['Rserve', 'callr'] as Peer[])
                .map((peer) => {
                    const checks = ROWS.map(([w, name]) => ({ name, x: ratio(peer, w) })).filter((c) => c.x !== undefined);
                    const behind = checks.filter((c) => c.x! >= 1);
                    return `${PEER_NAMES[peer]}: ${behind.length ? `ours behind on ${behind.map((c) => `${c.name} (${fmt(c.x!)}×)`).join(', ')}` : 'ours ahead on everything measured'}`;
                })
                .join('; ') +
            '.',
    );
    return lines;
}

function details(peer: Peer): string[] {
    const r = results[peer];
    const c = COUNTS[peer];
    const out: string[] = [`### ${PEER_NAMES[peer]}`, ''];
    const list = (values: number[]) => values.map((v) => fmt(v)).join(', ');
    if (r.rtt)
        out.push(
            `- Round trip \`1+1\`, ${c.rtt} sequential after ${c.warmup} warm-up: median ${ms(r.rtt.median)}, p99 ${r.rtt.p99 !== undefined ? ms(r.rtt.p99) : 'n/a'}, mean ${ms(mean(r.rtt.values))}, min ${ms(Math.min(...r.rtt.values))}.${r.rtt.note ? ` (${r.rtt.note})` : ''}`,
        );
    if (r.many)
        out.push(
            `- ${r.many.count.toLocaleString('en-US')} \`1+1\` ${r.many.mode === 'pipelined' ? 'sent at once, timed until the last answer' : 'one after the other (the peer cannot take more than one at a time)'}, ${r.many.values.length} run(s): ${list(r.many.values.map((v) => 1000 / v))} /s; median ${fmt(r.many.rate)}/s, ${ms(r.many.median)} per execution.`,
        );
    if (r.print?.lowerBound) out.push(`- \`${PRINT_CODE}\` (after \`options(max.print = 1e7)\`): ${r.print.note}.`);
    else if (r.print) out.push(`- \`${PRINT_CODE}\` (after \`options(max.print = 1e7)\`), ${r.print.values.length} run(s): ${list(r.print.values)} ms; ${mb(r.print.bytes)} delivered.${r.print.note ? ` Method: ${r.print.note}.` : ''}`);
    if (r.streaming)
        out.push(
            ...r.streaming.map(
                (s) =>
                    `- Streaming probe (${s.name}: \`${STREAM_PROBES.find((p) => p.name === s.name)!.code}\`): first output after ${ms(s.firstOutput)}, answer after ${ms(s.answer)}: ${s.firstOutput < s.answer / 2 ? 'streamed' : 'NOT streamed (output came with the end)'}.`,
            ),
        );
    if (r.interruptAnswer)
        out.push(
            `- Interrupt of \`Sys.sleep(100)\` (started 300 ms before), ${r.interruptAnswer.values.length} times: to its answer ${list(r.interruptAnswer.values)} ms (median ${ms(r.interruptAnswer.median)}); to a following \`1+1\` answered: median ${ms(r.interruptNext?.median)}, max ${ms(Math.max(...(r.interruptNext?.values ?? [NaN])))}.${r.interruptAnswer.note ? ` Method: ${r.interruptAnswer.note}.` : ''}`,
        );
    if (r.startup) out.push(`- Spawn → first \`1+1\` answered, ${r.startup.values.length} times: ${list(r.startup.values)} ms (median ${ms(r.startup.median)}).${r.startup.note ? ` Method: ${r.startup.note}.` : ''}`);
    for (const [w, why] of Object.entries(r.unsupported)) out.push(`- ${w}: not supported: ${why}.`);
    out.push(...r.notes.map((n) => `- ${n}`), '');
    return out;
}

function report(incomplete?: string): string {
    const noisy = bench.noisySections();
    return [
        ...bench.reportHead('Peer comparison', 'npm run bench:peers', 'bench/peers/run.ts', incomplete, [['Peers', peerVersions]]),
        ...(noisy.length
            ? [`**Warning:** other processes used more than 10% of the machine during ${noisy.join(', ')}; those timings are inflated, and ratios between peers measured in different sections carry the difference (see the last section).`, '']
            : []),
        '## Results',
        '',
        'Medians, all measured in this run. Times are from the client\'s side: written request → answer read (callr: inside R). "Many" is the time per execution when 10,000 (fewer for the slow peers: see the count) are sent at once, or one after the other where the peer cannot take more than one.',
        '',
        `| Workload | ${PEERS.map((p) => PEER_NAMES[p]).join(' | ')} |`,
        `|---|${PEERS.map(() => '---:').join('|')}|`,
        ...ROWS.map(([w, name]) => `| ${name} | ${PEERS.map((p) => cellOf(p, w)).join(' | ')} |`),
        '',
        '## Ratios ours / peer',
        '',
        'Our time divided by the peer\'s, for each workload both support: below 1 (bold) ours is faster, above 1 ours is slower.',
        '',
        `| Workload | ${PEERS.filter((p) => p !== 'ours').map((p) => PEER_NAMES[p]).join(' | ')} |`,
        `|---|${PEERS.filter((p) => p !== 'ours').map(() => '---:').join('|')}|`,
        ...ROWS.map(([w, name]) => `| ${name} | ${PEERS.filter((p) => p !== 'ours').map((p) => ratioCell(p, w)).join(' | ')} |`),
        '',
        '## The goal',
        '',
        'The issue asks for ours within 3× of the raw pipe floor and ahead of every peer that offers streaming output and interrupts.',
        '',
        ...goal(),
        '',
        '## What each peer offers',
        '',
        '| Peer | Many requests at once | Streaming output | Interrupt |',
        '|---|---|---|---|',
        ...PEERS.map((p) => `| ${PEER_NAMES[p]} | ${SUPPORT[p].pipelining} | ${SUPPORT[p].streaming} | ${SUPPORT[p].interrupt} |`),
        '',
        '## Details',
        '',
        ...PEERS.flatMap(details),
        ...bench.noiseSection(
            'CPU used by other processes (not started by this run) while each section ran, as a share of the machine (computed as in bench/run.ts). More than a few percent means that section\'s timings are inflated; ratios between peers measured in different sections carry that noise.',
        ),
        ...bench.problemsSection(),
    ].join('\n');
}

/** The summary printed on stdout, above the problems and warnings. */
function summaryLines(): string[] {
    const w = [40, ...PEERS.map(() => 16)];
    return [
        `Peer comparison on ${machineLine(bench.machine)}`,
        [cell('Workload (median)', w[0]), ...PEERS.map((p, i) => cell(p, w[i + 1]))].join(' '),
        ...ROWS.map(([k, name]) =>
            [
                cell(name.replace(/`/g, ''), w[0]),
                ...PEERS.map((p, i) => cell(valueOf(p, k) !== undefined ? `${k === 'print' && results[p].print?.lowerBound ? '> ' : ''}${ms(valueOf(p, k))}` : '—', w[i + 1])),
            ].join(' '),
        ),
        '',
        ...goal().map((l) => l.replace(/\*\*/g, '')),
    ];
}

function finish(incomplete?: string): void {
    bench.finish(RESULTS, report(incomplete), summaryLines());
}

// ---------------------------------------------------------------------------

let peerVersions = 'unknown';

async function versions(): Promise<string> {
    const result = await run(
        'Rscript',
        ['-e', 'for (p in c("Rserve", "callr", "processx", "IRkernel", "evaluate", "pbdZMQ")) cat(p, tryCatch(format(packageVersion(p)), error = function(e) "missing"), "\\n")'],
        { timeoutMs: 20000 },
    );
    const node = (name: string) => {
        try {
            return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version as string;
        } catch {
            return 'missing';
        }
    };
    const r = result.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim())
        .join(', ');
    return `R packages: ${r}; npm: rserve-client ${node('rserve-client')}, zeromq ${node('zeromq')}`;
}

async function main(): Promise<void> {
    if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first`);
    // The same lock as `npm run bench`: a peer run and a suite run would inflate each other's numbers.
    await bench.acquireLock();
    bench.machine = describeMachine();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-peers-'));
    const watchdog = bench.armTimeLimit(TIME_LIMIT_MS, (incomplete) => {
        killEverythingStarted();
        finish(incomplete);
        cleanUp();
    });
    try {
        peerVersions = await versions().catch((e) => `unknown (${(e as Error).message})`);
        if (/missing/.test(peerVersions)) problems.push(`a peer is not installed (${peerVersions}): run bench/install-peers.sh as root, and npm install`);
        await bench.section('Raw pipe floor', floorSection);
        await bench.section('Ours', oursSection);
        await bench.section('Rserve', rserveSection);
        await bench.section('callr', callrSection);
        await bench.section('IRkernel', irkernelSection);
    } finally {
        clearTimeout(watchdog);
        bench.killLeftovers();
        cleanUp();
    }
    finish();
}

/** Removes the work folder (connection files, Rserve configurations); checks no Rserve of ours is left. */
function cleanUp(): void {
    if (!workDir) return;
    for (const pid of pidsWithArg(workDir)) {
        problems.push(`process ${pid} (started with a file in ${workDir}) was still running at the end and was killed`);
        try {
            process.kill(pid, 'SIGKILL');
        } catch {
            // Gone meanwhile.
        }
    }
    fs.rmSync(workDir, { recursive: true, force: true });
}

runProgram(main, 'peer comparison failed', cleanUp);
