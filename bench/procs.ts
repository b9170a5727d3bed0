/**
 * Child processes of the benchmark, and the description of the machine.
 *
 * Every process the benchmark spawns is registered here so that it can be
 * killed, by its own pid, when the run ends for whatever reason (done, a
 * failed section, Ctrl+C, the overall time limit). Nothing is left running.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { performance } from 'perf_hooks';

const children = new Set<ChildProcess>();
/** Kernel pids reported by servers: killed at the end if a server left one behind. */
const extraPids = new Set<number>();

export function track(child: ChildProcess, _what: string): ChildProcess {
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
}

export function trackPid(pid: number): void {
    extraPids.add(pid);
}

/** Kills whatever the benchmark started that is still running; returns how many there were. */
export function killAll(): number {
    let killed = 0;
    for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGKILL');
            killed++;
        }
    }
    children.clear();
    for (const pid of extraPids) {
        try {
            process.kill(pid, 0);
            process.kill(pid, 'SIGKILL');
            killed++;
        } catch {
            // Already gone, as it should be.
        }
    }
    extraPids.clear();
    return killed;
}

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
        const child = track(spawn(command, args, { cwd: options.cwd, stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'] }), command);
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

/** VmRSS and VmHWM of a process, in kB (undefined when it is gone). */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } | undefined {
    const status = safeRead(`/proc/${pid}/status`);
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    if (!rss || !hwm) return undefined;
    return { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]) };
}

/**
 * CPU accounting, to tell a quiet run from a noisy one. Other work on the
 * machine (a test suite, a build) competes with R and the server for the
 * cores and inflates every timing; the report states how much CPU processes
 * other than the benchmark's own used while each section ran.
 *
 * The benchmark's own CPU is its process, its reaped children (cutime,
 * cstime, which include grandchildren such as R kernels once reaped) and its
 * still-running children and kernels (read from /proc). A child's time moves
 * from the last group to the second when it is reaped, so the sum is
 * continuous.
 */
export interface CpuSnapshot {
    busyTicks: number;
    ownTicks: number;
}

function statTicks(pid: number | 'self'): number {
    const stat = safeRead(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    return fields.length > 14 ? Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) : 0;
}

export function cpuSnapshot(): CpuSnapshot {
    const cpu = safeRead('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    const busyTicks = (cpu[0] ?? 0) + (cpu[1] ?? 0) + (cpu[2] ?? 0) + (cpu[5] ?? 0) + (cpu[6] ?? 0) + (cpu[7] ?? 0);
    let ownTicks = statTicks('self');
    for (const child of children) if (child.pid && child.exitCode === null && child.signalCode === null) ownTicks += statTicks(child.pid);
    for (const pid of extraPids) {
        // A kernel that has exited is no longer counted here (its time is in
        // its server's cutime once reaped); its pid is dropped.
        const ticks = statTicks(pid);
        if (ticks) ownTicks += ticks;
        else extraPids.delete(pid);
    }
    return { busyTicks, ownTicks };
}

/** CPU-seconds used by other processes between two snapshots (USER_HZ is 100 on Linux). */
export function otherCpuSeconds(a: CpuSnapshot, b: CpuSnapshot): number {
    return Math.max(0, b.busyTicks - a.busyTicks - (b.ownTicks - a.ownTicks)) / 100;
}

/** CPU time (ms) and context switches of one process, for attributing where a workload's time went. */
export interface ProcessCounters {
    cpuMs: number;
    voluntary: number;
    involuntary: number;
}

export function processCounters(pid: number): ProcessCounters {
    const stat = safeRead(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = safeRead(`/proc/${pid}/status`);
    return {
        cpuMs: (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10,
        voluntary: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0),
        involuntary: Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0),
    };
}

export function countersSince(before: ProcessCounters, pid: number): ProcessCounters {
    const now = processCounters(pid);
    return { cpuMs: now.cpuMs - before.cpuMs, voluntary: now.voluntary - before.voluntary, involuntary: now.involuntary - before.involuntary };
}
