/**
 * Helpers of the peer comparison (`npm run bench:peers`) that only the peer
 * drivers need: ports, and finding the processes and sockets a peer left
 * behind. What it shares with the other benchmark programs (the run's
 * bookkeeping, the lock, the noise accounting, the floor, the report's
 * machine table) is in bench/common.ts.
 */
import * as fs from 'fs';
import * as net from 'net';

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

/** Whether some socket listens on TCP `port` (any address). */
export function isListening(port: number): boolean {
    return listeningAddresses(port).length > 0;
}

/** Addresses that listen on TCP `port`, from /proc/net/tcp and tcp6 (for checking that a peer listens on 127.0.0.1 only). */
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
            // local_address is "ADDR:PORT"; state 0A is LISTEN.
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
