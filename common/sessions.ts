/**
 * Detached R sessions: the registry through which clients find them, and
 * the handshake that opens a connection to one.
 *
 * A session process (`node dist/server.js --session --workspace DIR`) owns
 * one R and outlives its clients. It listens on a Unix domain socket in a
 * private directory (mode 0700) and keeps, beside the socket, a file with a
 * per-session secret (mode 0600) and an entry (`<id>.json`) that says what
 * the session is. Only the user who owns the directory can reach the
 * socket; the secret is checked before anything else is read.
 *
 * The handshake: the client's first line is
 *
 *     rbridge-attach <SESSION_PROTOCOL> <secret>\n
 *
 * and the server answers one JSON line, `{"ok":true,...}` (then the LSP
 * base protocol starts on the same socket) or `{"ok":false,"error":...}`
 * (then it closes the socket). Node is used on both sides, so this module
 * is shared by the server, the VS Code extension and the CLI.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** The version of the handshake and of the session registry. */
export const SESSION_PROTOCOL = 1;

/** What a session's entry in the registry says. */
export interface SessionEntry {
    /** Short random id; also the stem of the socket, secret and entry files. */
    id: string;
    /** The session process (the server). */
    pid: number;
    socket: string;
    secretFile: string;
    /** The workspace folder the session belongs to (absolute path). */
    workspace: string;
    /** Whether the session was started from a trusted workspace. */
    trusted: boolean;
    /** SESSION_PROTOCOL and the server's version. */
    protocol: number;
    serverVersion: string;
    /** ISO times. */
    started: string;
    lastClient?: string;
    /** Clients attached now. */
    clients: number;
    /** R, once it has started. */
    rVersion?: string;
    rPid?: number;
    /** R's state when the entry was last written: 'idle', 'busy', 'starting', 'dead'. */
    state?: string;
}

/** The server's answer to the handshake. */
export type HandshakeAnswer =
    | { ok: true; protocol: number; serverVersion: string; sessionId: string }
    | { ok: false; error: string; reason: 'secret' | 'protocol' | 'format'; protocol?: number; serverVersion?: string };

/** Why attaching failed, with the server's reason when it gave one. */
export class AttachError extends Error {
    constructor(
        message: string,
        readonly reason: 'secret' | 'protocol' | 'format' | 'unreachable' | 'timeout',
        readonly serverVersion?: string,
    ) {
        super(message);
    }
}

/**
 * The directory that holds the registry: `$RBRIDGE_RUNTIME_DIR`, else
 * `$XDG_RUNTIME_DIR/rbridge`, else `<tmp>/rbridge-<uid>`. Created with mode
 * 0700; one that another user owns, or that others can enter, is refused.
 */
export function registryDir(create = false): string {
    const base = process.env.RBRIDGE_RUNTIME_DIR
        ? process.env.RBRIDGE_RUNTIME_DIR
        : process.env.XDG_RUNTIME_DIR && isDirectory(process.env.XDG_RUNTIME_DIR)
          ? path.join(process.env.XDG_RUNTIME_DIR, 'rbridge')
          : path.join(os.tmpdir(), `rbridge-${uid()}`);
    if (create) fs.mkdirSync(base, { recursive: true, mode: 0o700 });
    if (create || fs.existsSync(base)) checkPrivate(base);
    return base;
}

function uid(): number | string {
    return typeof process.getuid === 'function' ? process.getuid() : os.userInfo().username;
}

function isDirectory(p: string): boolean {
    try {
        return fs.statSync(p).isDirectory();
    } catch {
        return false;
    }
}

/** Throws unless `dir` is a directory of this user's that nobody else can enter. */
export function checkPrivate(dir: string): void {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new Error(`${dir} belongs to another user (uid ${st.uid})`);
    if ((st.mode & 0o077) !== 0) throw new Error(`${dir} can be entered by other users (mode ${(st.mode & 0o777).toString(8)})`);
}

/** A new session's files: id, socket path and secret (written 0600). */
export function newSessionFiles(dir: string): { id: string; socket: string; secretFile: string; secret: string } {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('hex');
    const secretFile = path.join(dir, `${id}.secret`);
    fs.writeFileSync(secretFile, secret, { mode: 0o600, flag: 'wx' });
    return { id, socket: path.join(dir, `${id}.sock`), secretFile, secret };
}

export function entryFile(dir: string, id: string): string {
    return path.join(dir, `${id}.json`);
}

/** Writes an entry atomically (a reader never sees half of it). */
export function writeEntry(dir: string, entry: SessionEntry): void {
    const file = entryFile(dir, entry.id);
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(entry), { mode: 0o600 });
    fs.renameSync(temporary, file);
}

/** Removes a session's files (entry, socket, secret); missing ones are fine. */
export function removeSessionFiles(dir: string, id: string): void {
    for (const suffix of ['.json', '.sock', '.secret']) {
        try {
            fs.unlinkSync(path.join(dir, id + suffix));
        } catch {
            // Already gone.
        }
    }
}

function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
}

/**
 * The live sessions, newest first. An entry whose server is gone, or whose
 * socket is missing, is stale: its files are removed (`clean`), and it is
 * not listed.
 */
export function listSessions(options: { clean?: boolean } = {}): SessionEntry[] {
    let dir: string;
    try {
        dir = registryDir();
    } catch {
        return [];
    }
    let names: string[];
    try {
        names = fs.readdirSync(dir);
    } catch {
        return [];
    }
    const live: SessionEntry[] = [];
    for (const name of names) {
        if (!name.endsWith('.json')) continue;
        const id = name.slice(0, -'.json'.length);
        let entry: SessionEntry | undefined;
        try {
            entry = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as SessionEntry;
        } catch {
            entry = undefined;
        }
        const valid = entry && entry.id === id && Number.isInteger(entry.pid) && typeof entry.socket === 'string' && typeof entry.workspace === 'string';
        if (valid && processAlive(entry!.pid) && fs.existsSync(entry!.socket)) {
            live.push(entry!);
        } else if (options.clean !== false) {
            removeSessionFiles(dir, id);
        }
    }
    return live.sort((a, b) => b.started.localeCompare(a.started));
}

/** The same folder, however it was spelled (symbolic links, trailing slash). */
export function sameFolder(a: string, b: string): boolean {
    const canonical = (p: string) => {
        try {
            return fs.realpathSync(p);
        } catch {
            return path.resolve(p);
        }
    };
    return canonical(a) === canonical(b);
}

/**
 * The session a client should attach to: by server pid (digits) or by
 * workspace folder; with no target, the only live session, if there is
 * exactly one.
 */
export function findSession(target?: string, sessions = listSessions()): SessionEntry | undefined {
    if (target === undefined) return sessions.length === 1 ? sessions[0] : undefined;
    if (/^\d+$/.test(target)) {
        const byPid = sessions.find((s) => s.pid === Number(target) || s.rPid === Number(target));
        if (byPid) return byPid;
    }
    return sessions.find((s) => sameFolder(s.workspace, target)) ?? sessions.find((s) => s.id === target);
}

/** The first line a client sends. */
export function handshakeLine(secret: string): string {
    return `rbridge-attach ${SESSION_PROTOCOL} ${secret}\n`;
}

/**
 * Connects to a session and runs the handshake. Resolves with the socket,
 * paused and ready for the LSP base protocol (call `resume()` once a reader
 * listens), and the server's answer; rejects with an AttachError that says
 * why not.
 */
export function attachSocket(entry: Pick<SessionEntry, 'socket' | 'secretFile'>, timeoutMs = 5000): Promise<{ socket: net.Socket; answer: HandshakeAnswer & { ok: true } }> {
    let secret: string;
    try {
        secret = fs.readFileSync(entry.secretFile, 'utf8').trim();
    } catch (e) {
        return Promise.reject(new AttachError(`the session's secret cannot be read: ${(e as Error).message}`, 'unreachable'));
    }
    return new Promise((resolve, reject) => {
        const socket = net.createConnection(entry.socket);
        let buffered = Buffer.alloc(0);
        let settled = false;
        const fail = (error: AttachError) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            socket.destroy();
            reject(error);
        };
        const timer = setTimeout(() => fail(new AttachError(`the session did not answer within ${timeoutMs} ms`, 'timeout')), timeoutMs);
        socket.on('error', (e) => fail(new AttachError(`cannot connect to the session: ${e.message}`, 'unreachable')));
        socket.on('close', () => fail(new AttachError('the session closed the connection', 'unreachable')));
        socket.on('connect', () => socket.write(handshakeLine(secret)));
        const onData = (chunk: Buffer) => {
            buffered = Buffer.concat([buffered, chunk]);
            const end = buffered.indexOf(10);
            if (end < 0) {
                if (buffered.length > 4096) fail(new AttachError('the session answered something that is not a handshake', 'format'));
                return;
            }
            socket.off('data', onData);
            let answer: HandshakeAnswer;
            try {
                answer = JSON.parse(buffered.subarray(0, end).toString('utf8')) as HandshakeAnswer;
            } catch {
                fail(new AttachError('the session answered something that is not a handshake', 'format'));
                return;
            }
            if (!answer.ok) {
                fail(new AttachError(answer.error, answer.reason, answer.serverVersion));
                return;
            }
            settled = true;
            clearTimeout(timer);
            socket.removeAllListeners('close');
            socket.removeAllListeners('error');
            socket.removeAllListeners('connect');
            // Whatever came after the answer belongs to the LSP stream, which
            // starts reading when its reader calls resume().
            socket.pause();
            const rest = buffered.subarray(end + 1);
            if (rest.length) socket.unshift(rest);
            resolve({ socket, answer });
        };
        socket.on('data', onData);
    });
}
