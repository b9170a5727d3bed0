/**
 * What the operating system knows about the server and its R processes,
 * read from /proc (Linux): children, memory, open files and sockets. Tests
 * use it to prove that nothing is left running, that memory stays bounded,
 * and that nothing listens on the network.
 */
import * as fs from 'fs';

/** Direct children of `pid` (all threads), zombies included; [] when it is gone. */
export function childrenOf(pid: number): number[] {
    const out = new Set<number>();
    let tasks: string[];
    try {
        tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
        return [];
    }
    for (const task of tasks) {
        let text = '';
        try {
            text = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
        } catch {
            continue;
        }
        for (const p of text.trim().split(/\s+/)) if (p) out.add(Number(p));
    }
    return [...out].sort((a, b) => a - b);
}

/** Every descendant of `pid`, depth first. */
export function descendantsOf(pid: number): number[] {
    const out: number[] = [];
    for (const child of childrenOf(pid)) out.push(child, ...descendantsOf(child));
    return out;
}

/** Whether `pid` exists and is not a zombie. */
export function isRunning(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
        return false;
    }
}

/** The command name of `pid` (from /proc/<pid>/comm), or '' when it is gone. */
export function commOf(pid: number): string {
    try {
        return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
        return '';
    }
}

/** VmRSS and VmHWM (peak) of `pid` in kB, or undefined when it is gone. */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } | undefined {
    let status: string;
    try {
        status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
        return undefined;
    }
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    if (!rss || !hwm) return undefined;
    return { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]) };
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
        let text = '';
        try {
            text = fs.readFileSync(`/proc/net/${table}`, 'utf8');
        } catch {
            continue;
        }
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
    let text = '';
    try {
        text = fs.readFileSync('/proc/net/unix', 'utf8');
    } catch {
        return out;
    }
    for (const line of text.split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 7) continue;
        if ((parseInt(cols[3], 16) & 0x10000) !== 0) out.add(cols[6]);
    }
    return out;
}

/** Sends SIGKILL to `pid` if it is still there; true when it was. */
export function killIfRunning(pid: number): boolean {
    if (!isRunning(pid)) return false;
    try {
        process.kill(pid, 'SIGKILL');
        return true;
    } catch {
        return false;
    }
}

/**
 * What `pid` is doing, for failure messages: the system call it is blocked
 * in and, for a read or write, the file behind the descriptor (e.g. "R
 * 1234 blocked in read() on /tmp/rbridge-x/grants (deleted)").
 */
export function whatIsItDoing(pid: number | undefined): string {
    if (!pid) return 'no process';
    try {
        const fields = fs.readFileSync(`/proc/${pid}/syscall`, 'utf8').trim().split(' ');
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
    } catch {
        return `${pid} is gone`;
    }
}

/** The private folder of the kernel channel that R `rPid` uses, from its descriptors. */
export function kernelFolderOf(rPid: number): string | undefined {
    for (const target of fdTargets(rPid).values()) {
        const m = /^(.*\/rbridge-[^/]+)\/(to-kernel|from-kernel|grants)( \(deleted\))?$/.exec(target);
        if (m) return m[1];
    }
    return undefined;
}
