/**
 * Processes, for tests and benchmarks: what the operating system knows
 * about the server, its R processes and everything else a test or
 * benchmark started, read from /proc (Linux), and the one registry of
 * processes started, so that nothing is left running.
 *
 * - The registry: every process a test or benchmark starts (a server, the R
 *   kernels it reports, a peer) is tracked by pid and killed by that pid
 *   when the run ends, however it ends (killEverythingStarted, also on
 *   process exit).
 * - The process tree: one table of every process with its parent and group
 *   (processTable), from which children, descendants and group members are
 *   derived.
 * - Per process: whether it runs, its name, memory, CPU time, open files
 *   and sockets, and what it is blocked in (for failure messages).
 * - The machine: its busy CPU time and its sockets.
 */
import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import { cpus } from 'os';

function read(file: string): string {
    try {
        return fs.readFileSync(file, 'utf8');
    } catch {
        return '';
    }
}

/**
 * The fields of /proc/<pid>/stat after the command name (which may hold
 * spaces and parentheses): [0] state, [1] ppid, [2] pgrp, … [11] utime,
 * [12] stime, [13] cutime, [14] cstime (see proc(5), fields 3 onwards).
 * [] when the process is gone.
 */
export function statFields(pid: number | 'self'): string[] {
    const stat = read(`/proc/${pid}/stat`);
    return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : [];
}

// ---------------------------------------------------------------------------
// The registry of processes started

/**
 * Servers, R processes and other programs started by this test or benchmark
 * process. One registry for the whole process: every test file is a bundle
 * with its own copy of this module, and they share it through a global.
 */
const REGISTRY = Symbol.for('rbridge.tests.startedProcesses');
const shared = globalThis as unknown as Record<symbol, Set<number> | undefined>;
const firstCopy = shared[REGISTRY] === undefined;
const started: Set<number> = (shared[REGISTRY] ??= new Set<number>());

/** Registers a child process; it leaves the registry when it exits. Returns the child. */
export function track<T extends ChildProcess>(child: T): T {
    const pid = child.pid;
    if (pid !== undefined) {
        started.add(pid);
        child.once('exit', () => started.delete(pid));
    }
    return child;
}

/** Registers a process that is not our child (an R kernel a server reports, a peer's worker). */
export function trackPid(pid: number): void {
    started.add(pid);
}

export function untrackPid(pid: number): void {
    started.delete(pid);
}

/** The pids registered and not known to have exited. */
export function trackedPids(): number[] {
    return [...started];
}

/** Kills (SIGKILL, by pid) every registered process that is still running; returns how many there were. */
export function killEverythingStarted(): number {
    let n = 0;
    for (const pid of started) if (killIfRunning(pid)) n++;
    started.clear();
    return n;
}

// A run that ends (or is stopped by a deadline) leaves nothing behind.
if (firstCopy) {
    process.on('exit', () => {
        killEverythingStarted();
    });
}

// ---------------------------------------------------------------------------
// The process tree

export interface ProcInfo {
    pid: number;
    ppid: number;
    /** Process group. */
    pgid: number;
}

/** Every process on the machine with its parent and process group. Threads are not listed: a child started by any thread has the process as its parent. */
export function processTable(): ProcInfo[] {
    const table: ProcInfo[] = [];
    let entries: string[] = [];
    try {
        entries = fs.readdirSync('/proc');
    } catch {
        return table;
    }
    for (const entry of entries) {
        if (!/^\d+$/.test(entry)) continue;
        const fields = statFields(Number(entry));
        // The process ended while we looked.
        if (fields.length < 3) continue;
        table.push({ pid: Number(entry), ppid: Number(fields[1]), pgid: Number(fields[2]) });
    }
    return table;
}

/**
 * Direct children of `pid`, zombies included, ascending; [] when it is gone.
 * Read from /proc/<pid>/task/<tid>/children (cheap enough to sample every
 * few milliseconds) where the kernel has it, else from the process table.
 */
export function childrenOf(pid: number): number[] {
    let tasks: string[] | undefined;
    try {
        tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
        return [];
    }
    const out = new Set<number>();
    for (const task of tasks) {
        let text: string;
        try {
            text = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOENT' && fs.existsSync(`/proc/${pid}/task/${task}`)) {
                // A kernel without CONFIG_PROC_CHILDREN.
                return processTable()
                    .filter((p) => p.ppid === pid)
                    .map((p) => p.pid)
                    .sort((a, b) => a - b);
            }
            continue;
        }
        for (const p of text.trim().split(/\s+/)) if (p) out.add(Number(p));
    }
    return [...out].sort((a, b) => a - b);
}

/** The R process among the children of `pid` (R's own binary, bin/exec/R), if any. */
export function rChildOf(pid: number): number | undefined {
    return childrenOf(pid).find((child) => {
        try {
            return fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0')[0].endsWith('/exec/R');
        } catch {
            return false;
        }
    });
}

/**
 * Every descendant of `pid`, depth first. With `group`, also every process
 * still in the process group `pid` leads and their descendants: an orphan is
 * reparented but keeps its group, so a server whose R started something in
 * the background is found out even after the link to its parent is gone.
 */
export function descendantsOf(pid: number, options: { group?: boolean } = {}): number[] {
    const table = processTable();
    const children = new Map<number, number[]>();
    for (const p of table) {
        const list = children.get(p.ppid) ?? [];
        list.push(p.pid);
        children.set(p.ppid, list);
    }
    const out: number[] = [];
    const seen = new Set<number>([pid]);
    const walk = (p: number) => {
        for (const c of (children.get(p) ?? []).sort((a, b) => a - b)) {
            if (seen.has(c)) continue;
            seen.add(c);
            out.push(c);
            walk(c);
        }
    };
    walk(pid);
    if (options.group) {
        for (const p of table) {
            if (p.pgid === pid && !seen.has(p.pid)) {
                seen.add(p.pid);
                out.push(p.pid);
                walk(p.pid);
            }
        }
    }
    return out;
}

/** Pids of the processes in process group `pgid`. */
export function processGroup(pgid: number, table = processTable()): number[] {
    return table.filter((p) => p.pgid === pgid).map((p) => p.pid);
}

/** Pids of processes (other than this one) whose command line contains `needle`: to find what a daemon left behind. */
export function pidsWithArg(needle: string): number[] {
    return processTable()
        .map((p) => p.pid)
        .filter((pid) => pid !== process.pid && read(`/proc/${pid}/cmdline`).includes(needle));
}

// ---------------------------------------------------------------------------
// One process

/**
 * Whether `pid` exists and is not a zombie. A zombie has finished; only its
 * parent's bookkeeping remains, so it counts as gone (unlike `kill(pid, 0)`,
 * which succeeds on a zombie).
 */
export function isRunning(pid: number): boolean {
    const fields = statFields(pid);
    return fields.length > 0 && fields[0] !== 'Z';
}

/** Sends SIGKILL to `pid` if it is still running; true when it was. */
export function killIfRunning(pid: number): boolean {
    if (!isRunning(pid)) return false;
    try {
        process.kill(pid, 'SIGKILL');
        return true;
    } catch {
        return false;
    }
}

/** The command name of `pid` (from /proc/<pid>/comm), or '' when it is gone. */
export function commOf(pid: number): string {
    return read(`/proc/${pid}/comm`).trim();
}

/** VmRSS and VmHWM (peak) of `pid` in kB, or undefined when it is gone. */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } | undefined {
    const status = read(`/proc/${pid}/status`);
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    if (!rss || !hwm) return undefined;
    return { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]) };
}

/**
 * CPU ticks (1/100 s, USER_HZ) of `pid`: its own user and system time and
 * that of its reaped children (cutime, cstime). A child's time moves from
 * the child to its parent's cutime when it is reaped, so summing a process
 * and its running children is continuous. 0 when it is gone.
 */
export function processTicks(pid: number | 'self'): number {
    const fields = statFields(pid);
    return fields.length > 14 ? Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) : 0;
}

/** CPU time (ms) and context switches of one process, for attributing where a workload's time went. */
export interface ProcessCounters {
    cpuMs: number;
    voluntary: number;
    involuntary: number;
}

export function processCounters(pid: number): ProcessCounters {
    const fields = statFields(pid);
    const status = read(`/proc/${pid}/status`);
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

/** Targets of the open file descriptors of `pid` (fd number → link target). */
export function fdTargets(pid: number): Map<number, string> {
    const out = new Map<number, string>();
    let fds: string[] = [];
    try {
        fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
        return out;
    }
    for (const fd of fds) {
        try {
            out.set(Number(fd), fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        } catch {
            // Closed between the listing and the read.
        }
    }
    return out;
}

/** Socket inodes `pid` holds. */
export function socketInodes(pid: number): Set<string> {
    const out = new Set<string>();
    for (const target of fdTargets(pid).values()) {
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m) out.add(m[1]);
    }
    return out;
}

/**
 * What `pid` is doing, for failure messages: the system call it is blocked
 * in and, for a read or write, the file behind the descriptor (e.g. "R
 * 1234 blocked in read() on /tmp/rbridge-x/grants (deleted)").
 */
export function whatIsItDoing(pid: number | undefined): string {
    if (!pid) return 'no process';
    const text = read(`/proc/${pid}/syscall`).trim();
    if (!text) return `${pid} is gone`;
    const fields = text.split(' ');
    const names: Record<string, string> = { '0': 'read()', '1': 'write()', '7': 'poll()', '23': 'select()', '35': 'nanosleep()', '61': 'wait4()', '202': 'futex()', '230': 'clock_nanosleep()', '270': 'pselect6()', '271': 'ppoll()' };
    if (fields[0] === 'running') return `${commOf(pid)} ${pid} is running (on a CPU)`;
    const call = names[fields[0]] ?? `system call ${fields[0]}`;
    let target = '';
    if (fields[0] === '0' || fields[0] === '1') {
        try {
            target = ` on ${fs.readlinkSync(`/proc/${pid}/fd/${Number(fields[1])}`)}`;
        } catch {
            // The descriptor closed meanwhile.
        }
    }
    return `${commOf(pid)} ${pid} blocked in ${call}${target}`;
}

/** The private folder of the kernel channel that R `rPid` uses, from its descriptors. */
export function kernelFolderOf(rPid: number): string | undefined {
    for (const target of fdTargets(rPid).values()) {
        const m = /^(.*\/rbridge-[^/]+)\/(to-kernel|from-kernel|grants)( \(deleted\))?$/.exec(target);
        if (m) return m[1];
    }
    return undefined;
}

// ---------------------------------------------------------------------------
// The machine

/** CPU ticks (1/100 s) the whole machine has spent busy since boot: user, nice, system, irq, softirq, steal (guest time is already in user). */
export function machineBusyTicks(): number {
    const cpu = read('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system (idle) (iowait) irq softirq steal
    return (cpu[0] ?? 0) + (cpu[1] ?? 0) + (cpu[2] ?? 0) + (cpu[5] ?? 0) + (cpu[6] ?? 0) + (cpu[7] ?? 0);
}

/** A reading of the machine's busy ticks and those of the given processes (see processTicks). */
export interface CpuReading {
    busy: number;
    own: number;
}

/**
 * The machine's busy CPU ticks and those of `pids`: the difference between
 * two readings says how much other work (the machine is shared) competed
 * with a measurement.
 */
export function cpuTicks(pids: (number | 'self')[]): CpuReading {
    let own = 0;
    for (const pid of pids) own += processTicks(pid);
    return { busy: machineBusyTicks(), own };
}

/** CPU-seconds used by processes other than the measured ones between two readings. */
export function otherCpuSeconds(a: CpuReading, b: CpuReading): number {
    return Math.max(0, b.busy - a.busy - (b.own - a.own)) / 100;
}

/** The share of the machine's cores that other processes used between two readings `ms` apart. */
export function otherLoad(a: CpuReading, b: CpuReading, ms: number): number {
    return otherCpuSeconds(a, b) / ((ms / 1000) * cpus().length);
}

export interface InetSocket {
    table: string;
    local: string;
    remote: string;
    /** TCP state in hex as the kernel writes it ('0A' is LISTEN); UDP sockets are '07' (unconnected). */
    state: string;
    inode: string;
}

/** Every TCP and UDP socket (IPv4 and IPv6) of the machine's network namespace. */
export function inetSockets(): InetSocket[] {
    const out: InetSocket[] = [];
    for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
        const text = read(`/proc/net/${table}`);
        for (const line of text.split('\n').slice(1)) {
            const cols = line.trim().split(/\s+/);
            if (cols.length < 10) continue;
            out.push({ table, local: cols[1], remote: cols[2], state: cols[3], inode: cols[9] });
        }
    }
    return out;
}

/** Unix-domain sockets of the machine that are listening (from /proc/net/unix: flag 00010000 is __SO_ACCEPTCON). */
export function listeningUnixInodes(): Set<string> {
    const out = new Set<string>();
    for (const line of read('/proc/net/unix').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 7) continue;
        if ((parseInt(cols[3], 16) & 0x10000) !== 0) out.add(cols[6]);
    }
    return out;
}

/** Addresses that listen on TCP `port` (e.g. '127.0.0.1', '::'), to check that something listens on the loopback only. */
export function listeningAddresses(port: number): string[] {
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    const out: string[] = [];
    for (const s of inetSockets()) {
        // local is "ADDR:PORT"; state 0A is LISTEN.
        if (!s.table.startsWith('tcp') || !s.local.endsWith(`:${hex}`) || s.state !== '0A') continue;
        const addr = s.local.split(':')[0];
        if (addr.length === 8) {
            // IPv4, little-endian hex.
            out.push([3, 2, 1, 0].map((i) => parseInt(addr.slice(i * 2, i * 2 + 2), 16)).join('.'));
        } else out.push(addr === '00000000000000000000000000000000' ? '::' : `ipv6 ${addr}`);
    }
    return out;
}

/** Whether some socket listens on TCP `port` (any address). */
export function isListening(port: number): boolean {
    return listeningAddresses(port).length > 0;
}
