/**
 * What the benchmark programs know about the machine and its CPU, and
 * running a program to its end.
 *
 * Every process a benchmark starts is registered in the registry of
 * test/support/procs.ts (track, trackPid), which kills it by its pid when
 * the run ends for whatever reason (done, a failed section, Ctrl+C, the
 * overall time limit); /proc readings (memory, CPU counters, process
 * groups) are there too, shared with the tests.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { performance } from 'perf_hooks';
import { CpuReading, cpuTicks, statFields, track, trackedPids, untrackPid } from '../test/support/procs';

export interface RunResult {
    code: number | null;
    stdout: string;
    stderr: string;
    /** Wall time from spawn() to exit, in ms. */
    wallMs: number;
}

/** Runs a program to completion with a time limit, capturing its output. */
export function run(
    command: string,
    args: string[],
    options: { timeoutMs: number; stdout?: 'pipe' | 'ignore'; cwd?: string },
): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const start = performance.now();
        const child = track(spawn(command, args, { cwd: options.cwd, stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'] }));
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
        child.on('error', (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on('exit', (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr, wallMs: performance.now() - start });
        });
    });
}

export interface Machine {
    cpu: string;
    cores: number;
    memory: string;
    os: string;
    node: string;
    r: string;
    date: string;
    load: string;
    /** The commit measured, and the files of the server and kernel that differ from it. */
    code: string;
}

export function describeMachine(): Machine {
    const cpuinfo = safeRead('/proc/cpuinfo');
    const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
    const memKb = Number(/^MemTotal:\s*(\d+)/m.exec(safeRead('/proc/meminfo'))?.[1] ?? 0);
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(safeRead('/etc/os-release'))?.[1] ?? os.type();
    let r = 'unknown';
    try {
        r = execFileSync('R', ['--version'], { encoding: 'utf8', timeout: 10000 }).split('\n')[0];
    } catch {
        // R missing is reported by the sections that need it.
    }
    return {
        cpu: model,
        cores: os.cpus().length,
        memory: memKb ? `${(memKb / 1024 / 1024).toFixed(1)} GiB` : `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
        os: `${pretty} (Linux ${os.release()}, ${os.arch()})`,
        node: process.version,
        r,
        date: new Date().toISOString(),
        load: os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(' '),
        code: describeCode(),
    };
}

/**
 * Which code was measured. The benchmark runs whatever is in the working
 * tree, so uncommitted changes to what it measures are named in the report.
 */
function describeCode(): string {
    try {
        const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', timeout: 10000 });
        const commit = git('rev-parse', '--short', 'HEAD').trim();
        // Porcelain lines are two status letters, a space and the path; the
        // output is not trimmed, since a leading space is a status letter.
        const dirty = git('status', '--porcelain', '--', 'server', 'kernel', 'common')
            .split('\n')
            .filter(Boolean)
            .map((l) => l.slice(3));
        return dirty.length ? `${commit} with uncommitted changes to ${dirty.join(', ')}` : `${commit} (clean)`;
    } catch {
        return 'unknown (not a git checkout)';
    }
}

function safeRead(file: string): string {
    try {
        return fs.readFileSync(file, 'utf8');
    } catch {
        return '';
    }
}

/**
 * CPU accounting, to tell a quiet run from a noisy one. Other work on the
 * machine (a test suite, a build) competes with R and the server for the
 * cores and inflates every timing; the report states how much CPU processes
 * other than the benchmark's own used while each section ran.
 *
 * The benchmark's own CPU is its process, its reaped children (cutime,
 * cstime, which include grandchildren such as R kernels once reaped) and its
 * still-running children and kernels (every process in the registry). A
 * child's time moves from the last group to the second when it is reaped,
 * so the sum is continuous. Compare two readings with otherCpuSeconds
 * (test/support/procs.ts).
 */
export function cpuSnapshot(): CpuReading {
    // A kernel that has exited is no longer counted here (its time is in its
    // server's cutime once reaped); its pid is dropped, so that a new
    // process given the same pid later is not counted as ours.
    for (const pid of trackedPids()) if (!statFields(pid).length) untrackPid(pid);
    return cpuTicks(['self', ...trackedPids()]);
}
