/**
 * rbridge and detached sessions (common/sessions.ts): finding the session to
 * attach to, starting one (`--session`), listing them (`rbridge sessions`)
 * and stopping one (`rbridge stop-session`). A session that cannot be found
 * or reached is a SessionProblem: one line for the user, and exit status 2.
 */
import { spawn } from 'child_process';
import { AttachError, SessionEntry, findSession, listSessions, registryDir, sameFolder } from '../common/sessions';

/** Why there is no session to use, said in a line (and the sessions there are, when that helps). */
export class SessionProblem extends Error {
    constructor(
        message: string,
        /** Said after the message: the sessions to choose from. */
        readonly detail?: string,
    ) {
        super(message);
    }
}

/** How long a new session's server may take to listen. */
const SESSION_START_MS = 15000;

/**
 * The session to attach to: the one `target` names (a workspace folder, a
 * server or R pid, a session id); with no target, the session of `cwd` if
 * there is one, else the only live session.
 */
export function chooseSession(target: string | undefined, cwd: string, sessions = listSessions()): SessionEntry {
    if (target !== undefined) {
        const found = findSession(target, sessions);
        if (found) return found;
        throw new SessionProblem(
            `no R session matches '${target}' (a workspace folder, a pid or a session id)`,
            sessions.length ? `The sessions running now:\n${formatSessions(sessions)}` : 'No R session is running; start one with rbridge --session.',
        );
    }
    const here = sessions.find((s) => sameFolder(s.workspace, cwd));
    if (here) return here;
    if (sessions.length === 1) return sessions[0];
    if (!sessions.length) throw new SessionProblem('no R session is running (rbridge --session starts one for the current directory)');
    throw new SessionProblem(
        `${sessions.length} R sessions are running and none is for ${cwd}; name one: rbridge --attach FOLDER|PID|ID`,
        formatSessions(sessions),
    );
}

/** Turns a failure to attach into the line the user reads. */
export function attachProblem(entry: SessionEntry, error: unknown): SessionProblem {
    const what = `cannot attach to R session ${entry.id} (pid ${entry.pid}, ${entry.workspace})`;
    if (!(error instanceof AttachError)) return new SessionProblem(`${what}: ${(error as Error).message ?? String(error)}`);
    switch (error.reason) {
        case 'secret':
            return new SessionProblem(`${what}: it refused the secret (${entry.secretFile} does not hold this session's secret)`);
        case 'protocol':
            return new SessionProblem(`${what}: it runs R Bridge ${error.serverVersion ?? 'of another version'}, which this rbridge cannot speak to (${error.message})`);
        case 'timeout':
            return new SessionProblem(`${what}: ${error.message} (its server may be stuck; kill ${entry.pid} to end it)`);
        default:
            return new SessionProblem(`${what}: ${error.message}`);
    }
}

/**
 * Starts a detached session for `workspace` (`server.js --session`, in a
 * process group of its own so that the terminal's signals do not reach it)
 * and resolves with its registry entry once it listens.
 */
export async function startSession(serverPath: string, workspace: string, trusted: boolean, idleTimeoutMinutes: number | undefined): Promise<SessionEntry> {
    try {
        // The registry must be private before a session can listen there; say why not here.
        registryDir(true);
    } catch (e) {
        throw new SessionProblem(`cannot start a session: the session folder is not usable: ${(e as Error).message}`);
    }
    const args = [serverPath, '--session', '--workspace', workspace];
    if (idleTimeoutMinutes !== undefined) args.push('--idle-timeout', String(idleTimeoutMinutes));
    if (trusted) args.push('--trusted');
    // Its stderr goes nowhere: it outlives this terminal (its log is <id>.log in the registry).
    const child = spawn(process.execPath, args, { cwd: workspace, detached: true, stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
    const line = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => fail(`its server did not start listening within ${SESSION_START_MS / 1000} s`), SESSION_START_MS);
        const fail = (why: string) => {
            clearTimeout(timer);
            reject(new SessionProblem(`cannot start a session for ${workspace}: ${why}`));
        };
        child.on('error', (e) => fail(e.message));
        child.on('exit', (code, signal) => fail(`its server exited (${signal ? `killed by ${signal}` : `exit code ${code}`})`));
        child.stdout!.on('data', (chunk: Buffer) => {
            text += chunk.toString('utf8');
            const end = text.indexOf('\n');
            if (end < 0) return;
            clearTimeout(timer);
            child.removeAllListeners('exit');
            resolve(text.slice(0, end));
        });
    });
    // The session's server writes nothing more on stdout; it lives on alone.
    child.stdout!.destroy();
    child.unref();
    let id: string | undefined;
    try {
        id = (JSON.parse(line) as { id?: string }).id;
    } catch {
        id = undefined;
    }
    const entry = listSessions().find((s) => s.id === id);
    if (!entry) throw new SessionProblem(`cannot start a session for ${workspace}: its server said ${JSON.stringify(line.slice(0, 200))}`);
    return entry;
}

/** Resolves true once process `pid` has ended, false after `ms`. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
        try {
            process.kill(pid, 0);
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EPERM') return true;
        }
        if (Date.now() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

/** 42s, 5m, 3h 2m, 2d 4h. */
export function formatAge(ms: number): string {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m`;
    const h = Math.floor(m / 60);
    if (h < 24) return `${h}h ${m % 60}m`;
    return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** The sessions as a table for a person: one row each, the workspace last (it may be long). */
export function formatSessions(sessions: SessionEntry[], now = Date.now()): string {
    const header = ['ID', 'PID', 'R PID', 'R', 'STATE', 'CLIENTS', 'AGE', 'WORKSPACE'];
    const rows = sessions.map((s) => [
        s.id,
        String(s.pid),
        s.rPid ? String(s.rPid) : '-',
        s.rVersion ?? '-',
        s.state ?? 'not started',
        String(s.clients),
        formatAge(now - Date.parse(s.started)),
        s.workspace,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    return [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

/** A byte count for a person: 512 bytes, 12.5 KB, 1.0 MB. */
export function formatBytes(n: number): string {
    if (n < 1024) return `${n} byte${n === 1 ? '' : 's'}`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
