/**
 * Helpers of the peer comparison (`npm run bench:peers`) that bench/run.ts
 * has too but does not export (importing bench/run.ts would run the whole
 * benchmark, since it calls main() when loaded). They are copied here, kept
 * minimal, and marked where they are copies; the process, client and
 * statistics helpers themselves are imported from bench/.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { sleep } from '../lspClient';

/** Ports free on 127.0.0.1 at the time of asking (held open together so that they differ). */
export async function freePorts(count: number): Promise<number[]> {
    const servers: net.Server[] = [];
    try {
        const ports: number[] = [];
        for (let i = 0; i < count; i++) {
            const server = net.createServer();
            servers.push(server);
            await new Promise<void>((resolve, reject) => {
                server.once('error', reject);
                server.listen(0, '127.0.0.1', () => resolve());
            });
            ports.push((server.address() as net.AddressInfo).port);
        }
        return ports;
    } finally {
        await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    }
}

/**
 * Copied from bench/run.ts (noiseShare): share of the machine's capacity
 * that other processes used during `wallMs`.
 */
export function noiseShare(wallMs: number, otherCpuSeconds: number, cores = os.cpus().length): number {
    return otherCpuSeconds / ((wallMs / 1000) * cores);
}

/**
 * Copied from bench/run.ts (acquireLock), with the same lock file: a peer
 * run and a `npm run bench` run would inflate each other's numbers, so the
 * second one waits (up to a minute) for the first, and takes over a lock
 * whose owner is gone. Returns a problem to report when it went ahead anyway.
 */
export async function acquireLock(root: string, log: (m: string) => void): Promise<string | undefined> {
    const lock = path.join(root, 'bench', '.tmp', 'bench.lock');
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    const deadline = performance.now() + 60000;
    for (;;) {
        try {
            fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
            process.on('exit', () => {
                try {
                    if (fs.readFileSync(lock, 'utf8') === String(process.pid)) fs.unlinkSync(lock);
                } catch {
                    // Already removed.
                }
            });
            return undefined;
        } catch {
            let owner = NaN;
            try {
                owner = Number(fs.readFileSync(lock, 'utf8'));
            } catch {
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
                fs.rmSync(lock, { force: true });
                continue;
            }
            if (performance.now() > deadline) return `another benchmark run (pid ${owner}) was still running after a minute; this run went ahead and both are inflated`;
            log(`waiting for another benchmark run (pid ${owner}) to finish`);
            await sleep(2000);
        }
    }
}

/** Pids of processes whose command line contains `needle` (to find what a daemon left behind). */
export function pidsWithArg(needle: string): number[] {
    const pids: number[] = [];
    for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
        try {
            const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
            if (cmdline.includes(needle)) pids.push(Number(entry));
        } catch {
            // Gone meanwhile, or not ours to read.
        }
    }
    return pids;
}

/** Pids of the processes in process group `pgid` (from /proc/<pid>/stat). */
export function processGroup(pgid: number): number[] {
    const pids: number[] = [];
    for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
            // After the command name: state, ppid, pgrp.
            const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            if (Number(fields[2]) === pgid) pids.push(Number(entry));
        } catch {
            // Gone meanwhile.
        }
    }
    return pids;
}

/** Whether some socket listens on TCP `port` (any address), from /proc/net/tcp and tcp6. */
export function isListening(port: number): boolean {
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
        let text = '';
        try {
            text = fs.readFileSync(file, 'utf8');
        } catch {
            continue;
        }
        for (const line of text.split('\n').slice(1)) {
            const fields = line.trim().split(/\s+/);
            // local_address is "ADDR:PORT"; state 0A is LISTEN.
            if (fields[1]?.endsWith(`:${hex}`) && fields[3] === '0A') return true;
        }
    }
    return false;
}

/** Addresses that listen on `port` (for checking that a peer listens on 127.0.0.1 only). */
export function listeningAddresses(port: number): string[] {
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    const out: string[] = [];
    for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
        let text = '';
        try {
            text = fs.readFileSync(file, 'utf8');
        } catch {
            continue;
        }
        for (const line of text.split('\n').slice(1)) {
            const fields = line.trim().split(/\s+/);
            if (!fields[1]?.endsWith(`:${hex}`) || fields[3] !== '0A') continue;
            const addr = fields[1].split(':')[0];
            if (addr.length === 8) {
                // IPv4, little-endian hex.
                out.push([3, 2, 1, 0].map((i) => parseInt(addr.slice(i * 2, i * 2 + 2), 16)).join('.'));
            } else out.push(addr === '00000000000000000000000000000000' ? '::' : `ipv6 ${addr}`);
        }
    }
    return out;
}
