/**
 * Stopping what the end-to-end harness starts: code-server runs in a process
 * group of its own, which is registered here and stopped with everything
 * below it (the extension host, the language server, R, a restarted kernel
 * or pty host), and killed on exit if nobody stopped it. The process tree is
 * read by test/support/procs.ts. Also the hard deadline of a whole run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { descendantsOf, isRunning } from '../support/procs';
import { sleep } from '../support/time';
import type { Log } from './log';

/** Process groups that are still running; killed on exit if nobody stopped them. */
const liveGroups = new Set<number>();
process.on('exit', () => {
    for (const pgid of liveGroups) {
        try {
            process.kill(-pgid, 'SIGKILL');
        } catch {
            // Gone already.
        }
    }
});

function signal(pids: number[], pgid: number | undefined, sig: NodeJS.Signals): void {
    if (pgid !== undefined) {
        try {
            process.kill(-pgid, sig);
        } catch {
            // The group is empty already.
        }
    }
    for (const pid of pids) {
        try {
            process.kill(pid, sig);
        } catch {
            // Gone already.
        }
    }
}

/**
 * Stops a process that leads its own group, with everything below it:
 * SIGTERM to the group and to every descendant, then SIGKILL after a grace
 * period to whatever is left.
 */
export async function stopProcessTree(pid: number, graceMs = 3000): Promise<void> {
    const tree = new Set([pid, ...descendantsOf(pid, { group: true })]);
    signal([...tree], pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while ([...tree].some(isRunning) && Date.now() < deadline) await sleep(50);
    // Whatever started in between (a restarted kernel or pty host) is found
    // again here, as a child or as a member of the group.
    for (let round = 0; round < 20; round++) {
        for (const p of descendantsOf(pid, { group: true })) tree.add(p);
        const left = [...tree].filter(isRunning);
        if (!left.length) break;
        signal(left, pid, 'SIGKILL');
        await sleep(50);
    }
    liveGroups.delete(pid);
}

/** Registers a process group (led by `pgid`) to be killed on exit unless stopProcessTree() stops it first. */
export function registerGroup(pgid: number): void {
    liveGroups.add(pgid);
}

/**
 * Arms a hard deadline for the whole process: when it passes, every process
 * group still registered is killed and the process exits with code 124 (as
 * `timeout` does). The timer does not keep Node alive.
 */
export function armDeadline(ms: number, log?: Log): NodeJS.Timeout {
    const timer = setTimeout(() => {
        const message = `hard deadline of ${Math.round(ms / 1000)} s reached; stopping everything`;
        if (log) log.info(message);
        else process.stderr.write(`${message}\n`);
        process.exit(124);
    }, ms);
    timer.unref();
    return timer;
}

/**
 * Stops every detached R session (server.js --session) whose registry
 * entry is in `dir` (the RBRIDGE_RUNTIME_DIR a run gave its code-server):
 * they run in process groups of their own, outside code-server's, so that
 * they survive a window reload, and stopping code-server does not reach
 * them. SIGTERM first (a session then stops its R and removes its files),
 * SIGKILL to the session and its R after a grace period. Resolves with the
 * server pids it found running.
 */
export async function stopSessions(dir: string, graceMs = 8000): Promise<number[]> {
    let names: string[];
    try {
        names = fs.readdirSync(dir);
    } catch {
        return [];
    }
    const found: { pid: number; rPid?: number }[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
        try {
            const entry = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as { pid?: unknown; rPid?: unknown };
            if (typeof entry.pid === 'number' && isRunning(entry.pid)) found.push({ pid: entry.pid, rPid: typeof entry.rPid === 'number' ? entry.rPid : undefined });
        } catch {
            // Half written or not an entry: nothing to stop.
        }
    }
    signal(found.map((f) => f.pid), undefined, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (found.some((f) => isRunning(f.pid)) && Date.now() < deadline) await sleep(50);
    const left = found.flatMap((f) => [f.pid, ...(f.rPid ? [f.rPid] : [])]).filter(isRunning);
    signal(left, undefined, 'SIGKILL');
    return found.map((f) => f.pid);
}
