/**
 * A detached session (`node dist/server.js --session --workspace DIR`): the
 * server as a process of its own that outlives its clients. It listens on
 * a Unix domain socket in the private registry directory
 * (common/sessions.ts), checks each connection's secret before it reads
 * anything else, and then speaks LSP on it, every client on the same R.
 *
 * Started by a client, it prints one JSON line on stdout when it listens
 * (`{"id","pid","socket","secretFile"}`) and writes nothing more there:
 * its log goes to `<id>.log` beside the socket. It ends on r/stopSession,
 * SIGTERM/SIGINT/SIGHUP, or after `--idle-timeout` minutes with no client
 * while R is idle, and removes its files from the registry as it goes.
 */
import { timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { createProtocolConnection } from 'vscode-languageserver-protocol/node';
// The library's own createConnection (node) exits the process when the
// client's process ends or sends `exit`; a detached session must do
// neither, so its connections are made with the watchdog given here.
import { createConnection as createLspConnection } from '../../node_modules/vscode-languageserver/lib/common/server';
import {
    HandshakeAnswer,
    SESSION_PROTOCOL,
    SessionEntry,
    checkPrivate,
    newSessionFiles,
    registryDir,
    removeSessionFiles,
    writeEntry,
} from '../../common/sessions';
import { Frontend } from './frontend';
import { SessionHost } from './host';
import { FramedMessageReader } from './transport/messageReader';
import { FramedMessageWriter } from './transport/messageWriter';
import { CoalescingWriter } from './transport/coalescingWriter';
import type { PrestartedKernel } from './kernel/prestart';

export const SERVER_VERSION = '0.1.0';
/** How long a connection has to send its handshake line. */
const HANDSHAKE_MS = 5000;
/** The registry entry is rewritten at most this often when R's state changes. */
const ENTRY_INTERVAL_MS = 1000;

export interface DaemonArgs {
    workspace: string;
    idleTimeoutMinutes: number;
    trusted: boolean;
}

export function parseDaemonArgs(argv: string[]): DaemonArgs {
    const value = (name: string) => {
        const i = argv.indexOf(name);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const workspace = path.resolve(value('--workspace') ?? process.cwd());
    const idle = Number(value('--idle-timeout') ?? 60);
    return { workspace, idleTimeoutMinutes: Number.isFinite(idle) && idle >= 0 ? idle : 60, trusted: argv.includes('--trusted') };
}

export function runDaemon(args: DaemonArgs, prestarted?: PrestartedKernel): void {
    const dir = registryDir(true);
    const files = newSessionFiles(dir);
    const logFile = path.join(dir, `${files.id}.log`);
    const log = fs.createWriteStream(logFile, { flags: 'a', mode: 0o600 });
    const say = (message: string) => log.write(`${new Date().toISOString()} ${message}\n`);

    const host = new SessionHost({
        mode: 'session',
        id: files.id,
        workspace: args.workspace,
        trusted: args.trusted,
        idleTimeoutMinutes: args.idleTimeoutMinutes,
        prestarted,
        exit: (code) => {
            removeSessionFiles(dir, files.id);
            try {
                fs.unlinkSync(logFile);
            } catch {
                // Gone already.
            }
            process.exit(code);
        },
    });

    const entry: SessionEntry = {
        id: files.id,
        pid: process.pid,
        socket: files.socket,
        secretFile: files.secretFile,
        workspace: args.workspace,
        trusted: args.trusted,
        protocol: SESSION_PROTOCOL,
        serverVersion: SERVER_VERSION,
        started: host.started.toISOString(),
        clients: 0,
    };
    let entryTimer: NodeJS.Timeout | undefined;
    const writeNow = () => {
        entryTimer = undefined;
        const status = host.session?.statusFacts();
        entry.clients = host.hub.attached.length;
        entry.state = status?.state;
        entry.rPid = status?.pid ?? undefined;
        entry.rVersion = status?.rVersion ?? entry.rVersion;
        try {
            writeEntry(dir, entry);
        } catch (e) {
            say(`the registry entry could not be written: ${(e as Error).message}`);
        }
    };
    const updateEntry = () => {
        if (!entryTimer) entryTimer = setTimeout(writeNow, ENTRY_INTERVAL_MS);
    };
    host.hub.onClientsChanged = () => {
        entry.lastClient = new Date().toISOString();
        writeNow();
    };
    // R's state, for `rbridge sessions` and the extension's picker: the hub
    // hears every r/kernelStatus; the entry follows at most once a second.
    host.hub.onKernelStatus = (p) => {
        if (p.state !== entry.state || p.pid !== entry.rPid) updateEntry();
    };

    const server = net.createServer((socket) => accept(socket));
    server.on('error', (e) => {
        say(`socket: ${e.message}`);
        host.leave(1);
    });

    function accept(socket: net.Socket): void {
        // Until the secret is checked, only a short first line is read.
        let buffered = Buffer.alloc(0);
        const timer = setTimeout(() => refuse('format', 'no handshake within 5 s'), HANDSHAKE_MS);
        socket.on('error', () => undefined);
        const refuse = (reason: 'secret' | 'protocol' | 'format', error: string, extra: Partial<HandshakeAnswer> = {}) => {
            clearTimeout(timer);
            socket.off('data', onData);
            say(`connection refused: ${error}`);
            const answer = { ok: false, reason, error, ...extra };
            socket.end(`${JSON.stringify(answer)}\n`);
            setTimeout(() => socket.destroy(), 1000).unref();
        };
        const onData = (chunk: Buffer) => {
            buffered = Buffer.concat([buffered, chunk]);
            const end = buffered.indexOf(10);
            if (end < 0) {
                if (buffered.length > 512) refuse('format', 'the first line is not a handshake');
                return;
            }
            const [word, version, secret] = buffered.subarray(0, end).toString('latin1').trim().split(' ');
            if (word !== 'rbridge-attach' || !version || secret === undefined) {
                refuse('format', 'the first line is not a handshake');
                return;
            }
            if (!constantTimeEqual(secret, files.secret)) {
                refuse('secret', 'wrong secret');
                return;
            }
            if (Number(version) !== SESSION_PROTOCOL) {
                refuse('protocol', `this session speaks session protocol ${SESSION_PROTOCOL} (R Bridge ${SERVER_VERSION}); the client speaks ${version}`, {
                    protocol: SESSION_PROTOCOL,
                    serverVersion: SERVER_VERSION,
                });
                return;
            }
            clearTimeout(timer);
            socket.off('data', onData);
            if (host.isLeaving) {
                refuse('format', 'the session is stopping');
                return;
            }
            const answer: HandshakeAnswer = { ok: true, protocol: SESSION_PROTOCOL, serverVersion: SERVER_VERSION, sessionId: files.id };
            socket.write(`${JSON.stringify(answer)}\n`);
            const rest = buffered.subarray(end + 1);
            socket.pause();
            if (rest.length) socket.unshift(rest);
            open(socket);
        };
        socket.on('data', onData);
    }

    function open(socket: net.Socket): void {
        const reader = new FramedMessageReader(socket);
        const writer = new FramedMessageWriter(new CoalescingWriter(socket));
        let frontend: Frontend | undefined = undefined;
        const watchDog = {
            shutdownReceived: false,
            // The client's process id is not watched: the session outlives it.
            initialize: () => undefined,
            // `exit` detaches this client and closes its connection.
            exit: () => {
                if (frontend) host.closed(frontend);
                socket.end();
            },
        };
        const connection = createLspConnection((logger) => createProtocolConnection(reader, writer, logger), watchDog);
        frontend = new Frontend(connection, host);
        host.connect(frontend);
        const gone = () => {
            if (frontend && !frontend.closed) {
                say(`client ${frontend.id} left`);
                host.closed(frontend);
                connection.dispose();
            }
        };
        socket.on('close', gone);
        socket.on('end', gone);
        reader.onError((error) => frontend?.error(`input: ${String(error.message).slice(0, 500)}`));
        connection.listen();
        socket.resume();
        say(`client ${frontend.id} attached`);
    }

    // The idle timeout: no client for that long, R not running code and no
    // background job queued or running.
    if (args.idleTimeoutMinutes > 0) {
        const limitMs = args.idleTimeoutMinutes * 60_000;
        setInterval(
            () => {
                const left = host.hub.lastLeft;
                const state = host.session?.statusFacts().state;
                if (left !== undefined && Date.now() - left >= limitMs && state !== 'busy' && !host.session?.jobs.active) {
                    say(`no client for ${args.idleTimeoutMinutes} min: stopping`);
                    host.leave(0);
                }
            },
            Math.min(limitMs / 4, 30_000),
        ).unref();
    }

    for (const [signal, number] of [
        ['SIGTERM', 15],
        ['SIGHUP', 1],
        ['SIGINT', 2],
    ] as const) {
        process.on(signal, () => host.leave(128 + number));
    }
    process.on('exit', () => removeSessionFiles(dir, files.id));
    process.on('uncaughtException', (e) => {
        // A bug must not take the user's R session down with the server.
        say(`internal error: ${e.stack ?? e}`);
    });
    // A client that vanished mid-write must not end the session.
    process.on('SIGPIPE', () => undefined);

    const oldMask = process.umask(0o177);
    server.listen(files.socket, () => {
        process.umask(oldMask);
        try {
            fs.chmodSync(files.socket, 0o600);
            checkPrivate(dir);
        } catch (e) {
            say(`the socket is not private: ${(e as Error).message}`);
            host.leave(1);
            return;
        }
        writeNow();
        // One line for the client that started us; then stdout and stderr are
        // left alone (that client may go away at any time).
        process.stdout.on('error', () => undefined);
        process.stderr.on('error', () => undefined);
        process.stdout.write(`${JSON.stringify({ id: files.id, pid: process.pid, socket: files.socket, secretFile: files.secretFile })}\n`);
        say(`session ${files.id} for ${args.workspace} listening on ${files.socket}`);
    });
}

function constantTimeEqual(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
}
