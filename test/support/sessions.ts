/**
 * Detached sessions for tests and benchmarks: a private registry folder per
 * test file, sessions started in it as the extension starts them, raw
 * clients attached through the real socket and handshake, and a teardown
 * that stops every session in the folder (and its R) so none outlives the
 * tests.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { InitializationOptions } from '../../common/protocol';
import { attachSocket, listSessions } from '../../common/sessions';
import { SERVER } from './paths';
import { isRunning, killIfRunning, trackPid } from './procs';
import { sleep } from './time';
import { WireClient, WireClientOptions } from './wireClient';
import { launchArgs } from '../../common/launch';

export interface StartedSession {
    id: string;
    pid: number;
    socket: string;
    secretFile: string;
}

/** A fresh registry folder (0700) for this process's sessions: RBRIDGE_RUNTIME_DIR points at it. */
export function privateRegistry(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-registry-'));
    fs.chmodSync(dir, 0o700);
    process.env.RBRIDGE_RUNTIME_DIR = dir;
    return dir;
}

/** Starts `server.js --session` detached, as a client does, and waits for its ready line. */
export async function startSession(args: { workspace: string; idleTimeout?: number; trusted?: boolean; env?: Record<string, string>; launch?: InitializationOptions }): Promise<StartedSession> {
    const argv = [SERVER, '--session', '--workspace', args.workspace];
    if (args.idleTimeout !== undefined) argv.push('--idle-timeout', String(args.idleTimeout));
    if (args.trusted) argv.push('--trusted');
    if (args.launch) argv.push(...launchArgs(args.launch));
    const child = spawn(process.execPath, argv, {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...args.env },
    });
    trackPid(child.pid!);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const line = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`the session did not start within 10 s: ${stderr}`)), 10000);
        child.stdout!.on('data', (d: Buffer) => {
            text += d.toString();
            if (text.includes('\n')) {
                clearTimeout(timer);
                resolve(text.slice(0, text.indexOf('\n')));
            }
        });
        child.on('exit', (code) => reject(new Error(`the session exited (${code}) before it listened: ${stderr}`)));
    });
    child.stdout!.destroy();
    child.stderr!.destroy();
    child.unref();
    return JSON.parse(line) as StartedSession;
}

/** Attaches a raw wire client through the socket; initializes it and (unless noWait) waits for R to be idle or busy. */
export async function attach(session: Pick<StartedSession, 'socket' | 'secretFile' | 'pid'>, options: WireClientOptions & { waitReady?: boolean } = {}): Promise<WireClient> {
    const { socket } = await attachSocket(session);
    const client = new WireClient({ ...options, socket: { socket, pid: session.pid } });
    await client.initialize(options.init ?? {});
    if (options.waitReady !== false) {
        await client.waitFor(() => ['idle', 'busy'].includes(client.lastStatus()?.state ?? ''), options.startMs ?? 30000, 'R ready');
    }
    return client;
}

/** Stops every session in the registry folder (SIGTERM, then SIGKILL) and the R each reported. */
export async function stopAllSessions(): Promise<void> {
    for (const s of listSessions({ clean: false })) {
        const pids = [s.pid, ...(s.rPid ? [s.rPid] : [])];
        try {
            process.kill(s.pid, 'SIGTERM');
        } catch {
            // Gone.
        }
        const deadline = Date.now() + 5000;
        while (pids.some(isRunning) && Date.now() < deadline) await sleep(25);
        for (const pid of pids) killIfRunning(pid);
    }
}
