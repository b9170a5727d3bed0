/**
 * A minimal Jupyter client (messaging protocol v5.3 over ZeroMQ) for
 * driving IRkernel the way a notebook front end does: a kernel connection
 * file, DEALER sockets on shell and control, a SUB socket on iopub, every
 * message signed with HMAC-SHA256 using the key from the connection file.
 *
 * Like test/support/wireClient.ts it is written for measuring: each message is
 * stamped with the time its frames were received, and an execution is
 * complete when iopub reports `status: idle` for it (the end of the
 * execution as a front end sees it: all output has been published by then)
 * and its execute_reply has arrived on shell.
 */
import { ChildProcess, spawn } from 'child_process';
import { createHmac, randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import * as zmq from 'zeromq';
import { track } from '../../test/support/procs';
import { sleep } from '../../test/support/time';
import { freePorts } from './common';

const DELIMITER = '<IDS|MSG>';

export interface JupyterMessage {
    header: { msg_id: string; msg_type: string; session: string; username: string; date: string; version: string };
    parent_header: { msg_id?: string; msg_type?: string };
    metadata: Record<string, unknown>;
    content: Record<string, unknown>;
    /** performance.now() when the frames were received. */
    at: number;
    channel: 'shell' | 'iopub' | 'control';
}

/** What the client gathers about one request (an execute_request usually). */
export interface Execution {
    msgId: string;
    sentAt: number;
    /** The reply on shell or control (execute_reply, ...). */
    reply?: JupyterMessage;
    /** iopub `status: busy` and `status: idle` for this request. */
    busyAt?: number;
    idleAt?: number;
    /** iopub stream messages (stdout and stderr). */
    streamBytes: number;
    firstStreamAt?: number;
    text: string;
    /** text/plain of the value (execute_result or display_data on iopub). */
    result?: string;
    done: Promise<void>;
}

export interface ConnectionInfo {
    transport: 'tcp';
    ip: string;
    shell_port: number;
    iopub_port: number;
    stdin_port: number;
    control_port: number;
    hb_port: number;
    key: string;
    signature_scheme: 'hmac-sha256';
    kernel_name: string;
}

const KEEP_TEXT_CHARS = 4096;

/** The content of an execute_request for `code`, as a notebook sends it. */
function executeContent(code: string): Record<string, unknown> {
    return { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true };
}

export class JupyterKernel {
    readonly child: ChildProcess;
    /** performance.now() just before spawn(). */
    readonly spawnedAt: number;
    readonly connection: ConnectionInfo;
    stderrTail = '';
    exited = false;

    private readonly shell = new zmq.Dealer({ linger: 0 });
    private readonly control = new zmq.Dealer({ linger: 0 });
    private readonly iopub = new zmq.Subscriber({ linger: 0 });
    private readonly session = randomUUID();
    private readonly executions = new Map<string, Execution & { resolve: () => void }>();
    private closed = false;

    private constructor(connection: ConnectionInfo, file: string) {
        this.connection = connection;
        this.spawnedAt = performance.now();
        // The kernel spec's argv (IRkernel/kernelspec/kernel.json).
        this.child = track(spawn('R', ['--slave', '-e', 'IRkernel::main()', '--args', file], { stdio: ['ignore', 'ignore', 'pipe'] }));
        this.child.stderr!.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-3000)));
        this.child.on('exit', () => {
            this.exited = true;
        });
        const address = (port: number) => `tcp://${connection.ip}:${port}`;
        // ZeroMQ connects in the background and retries until the kernel has
        // bound its sockets; messages sent meanwhile wait in the queue.
        this.shell.connect(address(connection.shell_port));
        this.control.connect(address(connection.control_port));
        this.iopub.connect(address(connection.iopub_port));
        this.iopub.subscribe();
        void this.receive(this.shell, 'shell');
        void this.receive(this.control, 'control');
        void this.receive(this.iopub, 'iopub');
    }

    /**
     * Writes a connection file (ports found free on 127.0.0.1, a random
     * key) and spawns the kernel with it. The kernel binds to 127.0.0.1 only.
     */
    static async spawn(dir: string): Promise<JupyterKernel> {
        const [shell, iopub, stdin, control, hb] = await freePorts(5);
        const connection: ConnectionInfo = {
            transport: 'tcp',
            ip: '127.0.0.1',
            shell_port: shell,
            iopub_port: iopub,
            stdin_port: stdin,
            control_port: control,
            hb_port: hb,
            key: randomBytes(32).toString('hex'),
            signature_scheme: 'hmac-sha256',
            kernel_name: 'ir',
        };
        const file = path.join(dir, `kernel-${randomUUID()}.json`);
        fs.writeFileSync(file, JSON.stringify(connection), { mode: 0o600 });
        return new JupyterKernel(connection, file);
    }

    get pid(): number {
        return this.child.pid!;
    }

    private sign(parts: Buffer[]): string {
        const hmac = createHmac('sha256', this.connection.key);
        for (const p of parts) hmac.update(p);
        return hmac.digest('hex');
    }

    /** Builds the frames of one message; returns them with the msg_id. */
    frames(msgType: string, content: Record<string, unknown>): { msgId: string; frames: Buffer[] } {
        const msgId = randomUUID();
        const header = {
            msg_id: msgId,
            msg_type: msgType,
            session: this.session,
            username: 'bench',
            date: new Date().toISOString(),
            version: '5.3',
        };
        const parts = [header, {}, {}, content].map((o) => Buffer.from(JSON.stringify(o), 'utf8'));
        return { msgId, frames: [Buffer.from(DELIMITER), Buffer.from(this.sign(parts)), ...parts] };
    }

    /** Registers an execution for a msg_id before its request is sent. */
    private track(msgId: string): Execution {
        let resolve!: () => void;
        const done = new Promise<void>((r) => (resolve = r));
        const execution = { msgId, sentAt: 0, streamBytes: 0, text: '', done, resolve };
        this.executions.set(msgId, execution);
        return execution;
    }

    /** Sends a request on shell; the returned execution completes at iopub idle. */
    request(msgType: string, content: Record<string, unknown>): Promise<Execution> {
        return this.send(this.shell, msgType, content);
    }

    execute(code: string): Promise<Execution> {
        return this.request('execute_request', executeContent(code));
    }

    /**
     * Many execute_requests sent back to back without waiting for any
     * answer: they queue in ZeroMQ and in the kernel's shell socket.
     */
    async executeMany(codes: string[]): Promise<{ sentAt: number; executions: Execution[] }> {
        const prepared = codes.map((code) => {
            const m = this.frames('execute_request', executeContent(code));
            return { ...m, execution: this.track(m.msgId) };
        });
        const sentAt = performance.now();
        for (const p of prepared) {
            p.execution.sentAt = performance.now();
            // One send at a time is all a ZeroMQ v6 socket allows; each
            // resolves as soon as the message is queued.
            await this.shell.send(p.frames);
        }
        return { sentAt, executions: prepared.map((p) => p.execution) };
    }

    /** Sends a request on control (interrupt_request, shutdown_request). */
    controlRequest(msgType: string, content: Record<string, unknown>): Promise<Execution> {
        return this.send(this.control, msgType, content);
    }

    private async send(socket: zmq.Dealer, msgType: string, content: Record<string, unknown>): Promise<Execution> {
        const { msgId, frames } = this.frames(msgType, content);
        const execution = this.track(msgId);
        execution.sentAt = performance.now();
        await socket.send(frames);
        return execution;
    }

    private async receive(socket: zmq.Dealer | zmq.Subscriber, channel: JupyterMessage['channel']): Promise<void> {
        try {
            for await (const frames of socket) {
                const at = performance.now();
                const i = frames.findIndex((f) => f.length === DELIMITER.length && f.toString('latin1') === DELIMITER);
                if (i < 0 || frames.length < i + 6) continue;
                const parts = frames.slice(i + 2, i + 6);
                if (frames[i + 1].toString('latin1') !== this.sign(parts)) throw new Error(`bad signature on a ${channel} message`);
                const [header, parent, metadata, content] = parts.map((p) => JSON.parse(p.toString('utf8')));
                this.dispatch({ header, parent_header: parent, metadata, content, at, channel });
            }
        } catch (e) {
            if (!this.closed) this.stderrTail += `\n[client] ${channel} receive failed: ${(e as Error).message}`;
        }
    }

    private dispatch(m: JupyterMessage): void {
        const execution = m.parent_header.msg_id ? this.executions.get(m.parent_header.msg_id) : undefined;
        if (!execution) return;
        if (m.channel !== 'iopub') {
            execution.reply = m;
            this.settle(execution);
            return;
        }
        switch (m.header.msg_type) {
            case 'status': {
                const state = m.content.execution_state;
                if (state === 'busy') execution.busyAt = m.at;
                if (state === 'idle') {
                    execution.idleAt = m.at;
                    this.settle(execution);
                }
                return;
            }
            case 'stream': {
                const text = String(m.content.text ?? '');
                execution.streamBytes += Buffer.byteLength(text, 'utf8');
                execution.firstStreamAt ??= m.at;
                if (execution.text.length < KEEP_TEXT_CHARS) execution.text += text.slice(0, KEEP_TEXT_CHARS);
                return;
            }
            // IRkernel publishes a visible value as display_data (with
            // text/html, text/markdown, text/latex and text/plain).
            case 'display_data':
            case 'execute_result': {
                const data = m.content.data as Record<string, string> | undefined;
                execution.result = data?.['text/plain'];
                return;
            }
            default:
        }
    }

    /** An execution is complete once iopub said idle and the shell reply has arrived (they travel on different sockets). */
    private settle(execution: Execution & { resolve: () => void }): void {
        if (execution.idleAt === undefined || !execution.reply) return;
        this.executions.delete(execution.msgId);
        execution.resolve();
    }

    /**
     * Waits until iopub delivers messages: a SUB socket only receives what
     * is published after it has connected, so a front end sends
     * kernel_info_request until a `status` for one of them arrives on iopub.
     */
    async waitForIopub(timeoutMs: number): Promise<void> {
        const deadline = performance.now() + timeoutMs;
        for (;;) {
            if (this.exited) throw new Error(`IRkernel exited while starting: ${this.stderrTail.slice(-500)}`);
            const probe = await this.request('kernel_info_request', {});
            const ok = await Promise.race([probe.done.then(() => true), sleep(100).then(() => false)]);
            if (ok) return;
            if (performance.now() > deadline) throw new Error(`IRkernel's iopub did not answer within ${timeoutMs} ms: ${this.stderrTail.slice(-500)}`);
        }
    }

    /** Asks the kernel to shut down, then makes sure it and the sockets are gone. */
    async stop(): Promise<boolean> {
        let clean = true;
        if (!this.exited) {
            await this.controlRequest('shutdown_request', { restart: false }).catch(() => undefined);
            const deadline = performance.now() + 3000;
            while (!this.exited && performance.now() < deadline) await sleep(20);
            if (!this.exited) {
                clean = false;
                this.child.kill('SIGKILL');
            }
        }
        this.closed = true;
        for (const s of [this.shell, this.control, this.iopub]) s.close();
        return clean;
    }
}
