/**
 * The extension's side of detached sessions (common/sessions.ts has the
 * registry and the handshake): which session a window attaches to,
 * starting a new session process, stopping one from outside, and what the
 * user is told about them (the picker's rows, the note after a reattach).
 *
 * No `vscode` import: the rules and texts are plain functions.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import type { InitializationOptions, SessionInfoResult } from '../../common/protocol';
import { SessionEntry, listSessions, sameFolder } from '../../common/sessions';
import { launchArgs } from '../../common/launch';

/** How long a new session process has to say that it listens. */
const SPAWN_TIMEOUT_MS = 20_000;

/** What the session process prints when it listens (one JSON line). */
export interface SpawnedSession {
    id: string;
    pid: number;
    socket: string;
    secretFile: string;
}

/**
 * The live session a window of `workspace` attaches to by itself: the
 * newest one for that folder that was started with the same trust. An
 * untrusted window never attaches to a session started from a trusted one
 * (whose R ran the workspace's .Rprofile and settings), and a trusted one
 * does not take over an untrusted session (its R lacks them). `skip`: the
 * pids of sessions that are being stopped.
 */
export function sessionFor(workspace: string, trusted: boolean, sessions: SessionEntry[] = listSessions(), skip: ReadonlySet<number> = new Set()): SessionEntry | undefined {
    return sessions.find((s) => !skip.has(s.pid) && s.trusted === trusted && sameFolder(s.workspace, workspace));
}

/** Why this window may not attach to a session, or undefined when it may. */
export function attachRefusal(entry: SessionEntry, trusted: boolean): string | undefined {
    if (entry.trusted && !trusted) {
        return `The session for ${entry.workspace} was started from a trusted workspace; this workspace is not trusted, so it cannot attach to it.`;
    }
    return undefined;
}

export interface SpawnOptions {
    /** dist/server.js. */
    serverModule: string;
    workspace: string;
    trusted: boolean;
    idleTimeoutMinutes: number;
    /** The options the window will initialize the session with: the session starts that R at once (server/src/kernel/prestart.ts). */
    launch?: InitializationOptions;
    /** Node: the extension host's own executable (Electron runs as Node with ELECTRON_RUN_AS_NODE). */
    execPath?: string;
}

/**
 * Starts a session process (`server.js --session`) in a process group of
 * its own, so that it outlives the window, and resolves with what it prints
 * once it listens. Nothing more is read from it afterwards.
 */
export function spawnSession(options: SpawnOptions): Promise<SpawnedSession> {
    const args = [options.serverModule, '--session', '--workspace', options.workspace, '--idle-timeout', String(options.idleTimeoutMinutes)];
    if (options.trusted) args.push('--trusted');
    if (options.launch) args.push(...launchArgs(options.launch));
    const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
    const child = spawn(options.execPath ?? process.execPath, args, {
        detached: true,
        stdio: ['ignore', 'pipe', 'ignore'],
        cwd: path.dirname(options.serverModule),
        env,
    });
    return new Promise((resolve, reject) => {
        let text = '';
        let settled = false;
        const finish = (error: Error | undefined, spawned?: SpawnedSession) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            child.stdout?.removeAllListeners('data');
            child.stdout?.destroy();
            child.removeAllListeners('exit');
            child.unref();
            if (error) {
                if (child.exitCode === null && child.pid !== undefined) {
                    try {
                        process.kill(child.pid, 'SIGTERM');
                    } catch {
                        // Gone already.
                    }
                }
                reject(error);
            } else resolve(spawned!);
        };
        const timer = setTimeout(() => finish(new Error(`the R session process did not start within ${SPAWN_TIMEOUT_MS / 1000} s`)), SPAWN_TIMEOUT_MS);
        child.on('error', (e) => finish(new Error(`the R session process could not be started: ${e.message}`)));
        child.on('exit', (code, signal) => finish(new Error(`the R session process exited (${signal ?? `code ${code}`}) before it was ready`)));
        child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
            text += chunk;
            const end = text.indexOf('\n');
            if (end < 0) {
                if (text.length > 64 * 1024) finish(new Error('the R session process printed something that is not its address'));
                return;
            }
            try {
                const spawned = JSON.parse(text.slice(0, end)) as SpawnedSession;
                if (typeof spawned.socket !== 'string' || typeof spawned.secretFile !== 'string' || !Number.isInteger(spawned.pid)) throw new Error('incomplete');
                finish(undefined, spawned);
            } catch {
                finish(new Error('the R session process printed something that is not its address'));
            }
        });
    });
}

/** Whether a process is there (a zombie counts: it is gone once reaped). */
export function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
}

/** Resolves true once the process is gone, false if it is still there after `ms`. */
export async function processGone(pid: number, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (processAlive(pid)) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return true;
}

/**
 * Stops a session from outside with SIGTERM (it stops R and removes its
 * registry entry as for r/stopSession); resolves whether it is gone within
 * `ms`.
 */
export async function terminateSession(pid: number, ms = 8000): Promise<boolean> {
    try {
        process.kill(pid, 'SIGTERM');
    } catch {
        return true;
    }
    return processGone(pid, ms);
}

/** "3 min", "2 h 05 min", "4 d": how long ago a time was. */
export function age(sinceIso: string, now = Date.now()): string {
    const seconds = Math.max(0, Math.round((now - Date.parse(sinceIso)) / 1000));
    if (!Number.isFinite(seconds)) return '?';
    if (seconds < 60) return `${seconds} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
    return `${Math.floor(hours / 24)} d`;
}

/** A session as the picker lists it: the workspace, then R, its state, clients and age. */
export function sessionRow(entry: SessionEntry, now = Date.now(), current?: string): { label: string; description: string; detail: string } {
    const clients = `${entry.clients} ${entry.clients === 1 ? 'window' : 'windows'}`;
    const facts = [entry.rVersion ? `R ${entry.rVersion}` : 'R', entry.state ?? 'starting', clients, `started ${age(entry.started, now)} ago`];
    const notes = [entry.trusted ? 'trusted' : 'untrusted', entry.id === current ? 'this window' : undefined].filter(Boolean);
    return {
        label: path.basename(entry.workspace) || entry.workspace,
        description: facts.join(' · '),
        detail: `${entry.workspace} — session ${entry.id}, server process ${entry.pid}${entry.rPid ? `, R process ${entry.rPid}` : ''} (${notes.join(', ')})`,
    };
}

/**
 * The console's note after this window attached to a session that was
 * already running: which R, since when, what is running, and what
 * happened while no window was attached.
 */
export function reattachText(info: SessionInfoResult, r: { pid?: number; rVersion?: string }, now = Date.now()): string {
    const who = [r.rVersion ? `R ${r.rVersion}` : undefined, r.pid ? `pid ${r.pid}` : undefined].filter(Boolean).join(', ');
    const started = new Date(info.started);
    const time = Number.isNaN(started.getTime()) ? info.started : started.toLocaleTimeString('en-GB', { hour12: false });
    const parts = [`Reattached to R session${who ? ` (${who})` : ''}, started ${time} (${age(info.started, now)} ago)`];
    if (info.clients > 1) parts.push(`${info.clients - 1} other ${info.clients === 2 ? 'window is' : 'windows are'} attached too`);
    if (info.dropped.length) {
        const n = info.dropped.length;
        const list = info.dropped
            .slice(0, 3)
            .map((d) => d.codePreview)
            .join(', ');
        parts.push(`${n} ${n === 1 ? 'execution' : 'executions'} queued before the reload ${n === 1 ? 'was' : 'were'} dropped (${list}${n > 3 ? ', …' : ''})`);
    }
    if (info.running) parts.push(`still running: ${info.running.codePreview}`);
    if (info.backlogDroppedBytes > 0) parts.push(`${kilobytes(info.backlogDroppedBytes)} of older output printed meanwhile is not shown`);
    return `${parts.join('; ')}.`;
}

function kilobytes(bytes: number): string {
    return bytes < 1024 ? `${bytes} bytes` : `${Math.round(bytes / 1024)} KB`;
}
