/**
 * What the benchmark programs share: `npm run bench` (bench/run.ts, the suite
 * in bench/suite.ts), `npm run bench:peers` (bench/peers/run.ts) and
 * `npm run bench:vscode` (bench/vscode.ts).
 *
 * - where the benchmark's own files are (the repository root and the server
 *   bundle are in test/support/paths.ts);
 * - the bookkeeping of one run (BenchRun): its log, its problems, its
 *   sections with the CPU other processes used meanwhile and the warnings
 *   about it, the lock that keeps two runs from measuring each other, the
 *   time limit, and the parts of the report built from these;
 * - the report's header line and machine table;
 * - the raw pipe floor (bench/floor.R behind Node's stdio pipes);
 * - starting a server the way every benchmark does, and checking an
 *   r/execute answer;
 * - running a program's main() with every process it started killed at the end.
 *
 * Loading this module starts nothing: each program creates its BenchRun and
 * calls runProgram() itself.
 *
 * What the benchmarks share with the tests is in test/support/: the wire
 * client (wireClient.ts), statistics (stats.ts: one definition of a
 * percentile for every report), /proc readings and the registry of
 * processes started (procs.ts), bounded waits (time.ts). The workloads that
 * bench/suite.ts and bench/peers/run.ts both run are in bench/workloads.ts.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import type { ExecuteResult } from '../common/protocol';
import { ROOT, SERVER } from '../test/support/paths';
import { killEverythingStarted, otherCpuSeconds, track } from '../test/support/procs';
import { fmt } from '../test/support/stats';
import { sleep, withTimeout } from '../test/support/time';
import { Reply, WireClient, WireClientOptions } from '../test/support/wireClient';
import { Machine, cpuSnapshot, describeMachine } from './machine';

// ---------------------------------------------------------------------------
// Where things are

// The repository root and the server bundle are in test/support/paths.ts
// (ROOT, SERVER), shared with the tests.
export const BENCH = path.join(ROOT, 'bench');
/** bench/.tmp is ignored by git; the lock there keeps two runs (of any of the programs that take it) from measuring each other. */
const LOCK = path.join(BENCH, '.tmp', 'bench.lock');

// ---------------------------------------------------------------------------
// One run's bookkeeping

/** Per section: name, wall time (ms), CPU-seconds used meanwhile by processes other than the benchmark's. */
export type SectionTime = [name: string, wallMs: number, otherCpuSeconds: number];

/**
 * The state every benchmark run keeps about itself. Other work on the
 * machine (a test suite, a build) competes for the cores and inflates every
 * timing, so each section records how much CPU other processes used while it
 * ran, and the report states it and warns where it was more than 10%.
 */
export class BenchRun {
    readonly started = performance.now();
    private readonly startCpu = cpuSnapshot();
    readonly problems: string[] = [];
    readonly sectionTimes: SectionTime[] = [];
    /** Described once the run holds the lock (so the load average is the run's own start). */
    machine: Machine | undefined;

    /** `tag` prefixes every log line, with the seconds since the run started. */
    constructor(private readonly tag: string) {}

    readonly log = (message: string): void => {
        process.stderr.write(`[${this.tag} ${((performance.now() - this.started) / 1000).toFixed(1)}s] ${message}\n`);
    };

    private get cores(): number {
        return this.machine?.cores ?? os.cpus().length;
    }

    /**
     * Runs one section; a failure is recorded (and handed to `onFailure`, for
     * a program that also reports it elsewhere) and the run goes on with the next.
     */
    async section(name: string, work: () => Promise<void>, onFailure?: (message: string) => void): Promise<void> {
        const started = performance.now();
        const cpuBefore = cpuSnapshot();
        this.log(name);
        try {
            await work();
        } catch (e) {
            const message = (e as Error).message ?? String(e);
            this.problems.push(`${name}: ${message}`);
            onFailure?.(message);
            this.log(`  failed: ${message}`);
        } finally {
            this.sectionTimes.push([name, performance.now() - started, otherCpuSeconds(cpuBefore, cpuSnapshot())]);
        }
    }

    /** Share of the machine's capacity that other processes used during `wallMs`. */
    noiseShare(wallMs: number, otherCpuSeconds: number): number {
        return otherCpuSeconds / ((wallMs / 1000) * this.cores);
    }

    /** Sections during which other processes used more than 10% of the machine, with that share. */
    noisySections(): string[] {
        return this.sectionTimes.filter(([, t, other]) => this.noiseShare(t, other) > 0.1).map(([name, t, other]) => `${name} (${fmt(this.noiseShare(t, other) * 100)}%)`);
    }

    /**
     * The top of the report: its title; which command wrote it, when, how
     * long the run took and what share of the machine other processes used
     * meanwhile; whether the run is incomplete; the machine (with `extra` rows).
     */
    reportHead(title: string, command: string, source: string, incomplete: string | undefined, extra: [string, string][] = []): string[] {
        const m = this.machine ?? describeMachine();
        const wall = performance.now() - this.started;
        return [
            `# ${title}`,
            '',
            `${writtenBy(command, source, m.date)} Run time ${fmt(wall / 1000)} s, during which other processes used ${fmt(this.noiseShare(wall, otherCpuSeconds(this.startCpu, cpuSnapshot())) * 100)}% of the machine.`,
            incomplete ? `\n**Incomplete run: ${incomplete}**\n` : '',
            ...machineTable(m, { extra }),
        ];
    }

    /** The report's section of section run times and other processes' CPU, below the program's `explanation` of it. */
    noiseSection(explanation: string): string[] {
        return [
            '## Section run times and machine noise',
            '',
            explanation,
            '',
            '| Section | Wall time | Other processes\' CPU |',
            '|---|---:|---:|',
            ...this.sectionTimes.map(([name, t, other]) => `| ${name} | ${fmt(t / 1000)} s | ${fmt(other)} CPU-s (${fmt(this.noiseShare(t, other) * 100)}%) |`),
            '',
        ];
    }

    /** The report's last section, when there were problems. */
    problemsSection(): string[] {
        return this.problems.length ? ['## Problems seen during the run', '', ...this.problems.map((p) => `- ${p}`), ''] : [];
    }

    /**
     * Writes the report to `results` and prints the summary on stdout: the
     * program's `summary` lines, then the problems, the noise warning and
     * where the report is.
     */
    finish(results: string, report: string, summary: string[]): void {
        fs.writeFileSync(results, report);
        const lines = [...summary];
        if (this.problems.length) lines.push('', 'Problems:', ...this.problems.map((p) => `  - ${p}`));
        const noisy = this.noisySections();
        if (noisy.length) lines.push('', `Warning: other processes used much CPU during: ${noisy.join(', ')}; those timings are inflated.`);
        lines.push('', `Full report: ${path.relative(process.cwd(), results) || results}`);
        process.stdout.write(lines.join('\n') + '\n');
    }

    /**
     * Two benchmark runs at the same time would compete for the cores and
     * inflate each other's numbers. A run holds a lock file with its pid; a
     * second run waits (up to a minute) for the first to finish, and takes
     * over a lock whose owner is gone. Past the minute it goes ahead, and
     * says so among the problems.
     */
    async acquireLock(): Promise<void> {
        fs.mkdirSync(path.dirname(LOCK), { recursive: true });
        const deadline = performance.now() + 60000;
        for (;;) {
            try {
                fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
                process.on('exit', () => {
                    try {
                        if (fs.readFileSync(LOCK, 'utf8') === String(process.pid)) fs.unlinkSync(LOCK);
                    } catch {
                        // Already removed.
                    }
                });
                return;
            } catch {
                let owner = NaN;
                try {
                    owner = Number(fs.readFileSync(LOCK, 'utf8'));
                } catch {
                    // The owner removed it between our write and this read: try again.
                    continue;
                }
                let alive = false;
                try {
                    process.kill(owner, 0);
                    alive = owner !== process.pid;
                } catch {
                    // The owner is gone: a stale lock.
                }
                if (!alive) {
                    fs.rmSync(LOCK, { force: true });
                    continue;
                }
                if (performance.now() > deadline) {
                    this.problems.push(`another benchmark run (pid ${owner}) was still running after a minute; this run went ahead and both are inflated`);
                    return;
                }
                this.log(`waiting for another benchmark run (pid ${owner}) to finish`);
                await sleep(2000);
            }
        }
    }

    /**
     * A hung section must not keep the run going past its time limit
     * (counted from the start of the run): `stop` reports what has been
     * measured and kills everything, then the program exits with 2.
     * Returns the timer, to be cleared when the run ends in time.
     */
    armTimeLimit(limitMs: number, stop: (incomplete: string) => void): NodeJS.Timeout {
        return setTimeout(
            () => {
                this.log('time limit reached');
                this.problems.push(`the run exceeded its time limit of ${limitMs / 1000} s and was stopped`);
                stop(`stopped at the time limit of ${limitMs / 1000} s`);
                process.exit(2);
            },
            limitMs - (performance.now() - this.started),
        );
    }

    /** Kills whatever the run started that is still running, and records it as a problem (nothing should be). */
    killLeftovers(): void {
        const left = killEverythingStarted();
        if (left) this.problems.push(`${left} processes were still running at the end and were killed`);
    }

    /** Stops a server and records any process it left behind (a server bug worth reporting). */
    async stopServer(client: WireClient, what: string): Promise<void> {
        const leftovers = await client.stop();
        if (leftovers.length) this.problems.push(`${what}: processes still alive after shutdown had to be killed: ${leftovers.join(', ')}`);
    }
}

/**
 * Runs a benchmark program's main(): exits 0 when it resolves, 1 (after
 * `failure` and the error on stderr) when it rejects, 130 on SIGINT or
 * SIGTERM; whatever the run started is killed by its pid in every case, and
 * `cleanUp` (the program's own leftovers, such as its work folder) is run.
 */
export function runProgram(main: () => Promise<void>, failure: string, cleanUp: () => void = () => undefined): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.on(signal, () => {
            killEverythingStarted();
            cleanUp();
            process.exit(130);
        });
    }
    // test/support/procs.ts kills what is still registered on exit, too.
    main().then(
        () => process.exit(0),
        (e) => {
            process.stderr.write(`${failure}: ${(e as Error).stack ?? e}\n`);
            killEverythingStarted();
            cleanUp();
            process.exit(1);
        },
    );
}

// ---------------------------------------------------------------------------
// The report

/** The report's first line: which command wrote it (from which source), when. */
export function writtenBy(command: string, source: string, date: string): string {
    return `Written by \`${command}\` (${source}) on ${date}; overwritten on every run.`;
}

/** The report's "Machine" section; `date: false` leaves out the Date row, `extra` adds rows at the end. */
export function machineTable(m: Machine, options: { date?: boolean; extra?: [string, string][] } = {}): string[] {
    return [
        '## Machine',
        '',
        '| | |',
        '|---|---|',
        `| CPU | ${m.cpu} |`,
        `| Cores | ${m.cores} |`,
        `| Memory | ${m.memory} |`,
        `| OS | ${m.os} |`,
        `| Node | ${m.node} |`,
        `| R | ${m.r} |`,
        ...(options.date === false ? [] : [`| Date | ${m.date} |`]),
        `| Load average at start | ${m.load} |`,
        `| Code measured | ${m.code} |`,
        ...(options.extra ?? []).map(([name, value]) => `| ${name} | ${value} |`),
        '',
    ];
}

/** The machine in one line, for the summary printed on stdout. */
export function machineLine(m: Machine | undefined): string {
    return `${m?.cpu} (${m?.cores} cores), Node ${m?.node}, ${m?.r}`;
}

// ---------------------------------------------------------------------------
// Talking to the server

/**
 * How a benchmark runs dist/server.js (test/support/wireClient.ts): in
 * `cwd`, with each execution's output summed up, without keeping every
 * answer (nothing is accounted per id, which keeps the client's own cost per
 * message low), and answering r/input with end of input (nothing in a
 * benchmark reads input). BENCH_SERVER_NODE_ARGS passes extra flags to the
 * server's node (for example --cpu-prof), to find out where the server
 * spends its time.
 */
export function serverOptions(cwd: string): WireClientOptions {
    return {
        server: SERVER,
        cwd,
        recordOutputs: true,
        account: false,
        nodeArgs: process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
        onServerRequest: () => ({ result: { text: '', eof: true } }),
    };
}

/** Spawns a server (serverOptions), initializes it and waits for the kernel to be idle. */
export function startServer(cwd: string, timeoutMs = 30000): Promise<WireClient> {
    return WireClient.start({ ...serverOptions(cwd), startMs: timeoutMs });
}

/** The result of an r/execute answer, or an error naming `what` when it is a JSON-RPC error or not status ok. */
export function checkOk(reply: Reply<ExecuteResult>, what: string): ExecuteResult {
    if (reply.error) throw new Error(`${what}: JSON-RPC error ${reply.error.code}: ${reply.error.message}`);
    const result = reply.result!;
    if (result.status !== 'ok') throw new Error(`${what}: status ${result.status} ${JSON.stringify(result.error ?? '')}`);
    return result;
}

// ---------------------------------------------------------------------------
// The raw pipe floor

const FLOOR = path.join(BENCH, 'floor.R');
/** What bench/floor.R prints after each line of code it has evaluated. */
const SENTINEL = '\x01END\x01\n';

/**
 * bench/floor.R (a bare read-eval-print loop in Rscript) behind Node's stdio
 * pipes: counts the sentinels it prints and the output bytes before them.
 * Node's 'pipe' stdio is a socketpair on Linux; it is what "driving R from
 * Node through a pipe" ordinarily means, so the floor uses it.
 */
export class FloorProcess {
    readonly child: ChildProcess;
    readonly spawnedAt = performance.now();
    sentinels = 0;
    /** Output bytes other than sentinels. */
    bytes = 0;
    /** 'data' events (reads) on R's stdout. */
    reads = 0;
    /** The first 100 or so characters of output, to check what the loop printed. */
    text = '';
    stderr = '';
    private carry = '';
    private waiter: { count: number; resolve: (at: number) => void } | undefined;

    /**
     * `throughNode`: a Node process whose first line spawns the floor with
     * its own stdin and stdout: the least any server written for Node adds
     * to the floor's start (Node's own start before it can spawn R).
     */
    constructor(throughNode = false) {
        const relay = `require('child_process').spawn('Rscript', [${JSON.stringify(FLOOR)}], { stdio: 'inherit' })`;
        this.child = track(throughNode ? spawn(process.execPath, ['-e', relay], { stdio: ['pipe', 'pipe', 'pipe'] }) : spawn('Rscript', [FLOOR], { stdio: ['pipe', 'pipe', 'pipe'] }));
        this.child.stdin!.on('error', () => undefined);
        this.child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
        this.child.stdout!.on('data', (chunk: Buffer) => {
            const at = performance.now();
            this.reads++;
            const fresh = chunk.toString('latin1');
            const s = this.carry + fresh;
            let found = 0;
            for (let i = s.indexOf(SENTINEL); i >= 0; i = s.indexOf(SENTINEL, i + SENTINEL.length)) found++;
            this.sentinels += found;
            this.bytes += chunk.length - found * SENTINEL.length;
            // The sentinel cannot overlap itself, so keeping one character
            // less than its length can never count an occurrence twice.
            this.carry = s.slice(-(SENTINEL.length - 1));
            if (this.text.length < 100) this.text += fresh;
            if (this.waiter && this.sentinels >= this.waiter.count) {
                const w = this.waiter;
                this.waiter = undefined;
                w.resolve(at);
            }
        });
    }

    write(text: string): void {
        this.child.stdin!.write(text);
    }

    /** When (performance.now()) the `count`th sentinel since the start was read. */
    until(count: number, timeoutMs: number): Promise<number> {
        return withTimeout(
            new Promise<number>((resolve) => {
                if (this.sentinels >= count) resolve(performance.now());
                else this.waiter = { count, resolve };
            }),
            timeoutMs,
            `floor sentinel ${count} (R said: ${this.stderr.slice(-300)})`,
        );
    }

    /** Ends its stdin (the loop exits at end of input); killed if it has not exited 3 s later. */
    async stop(): Promise<void> {
        this.child.stdin!.end();
        await withTimeout(new Promise((resolve) => this.child.once('exit', resolve)), 3000, 'floor exit').catch(() => this.child.kill('SIGKILL'));
    }
}
