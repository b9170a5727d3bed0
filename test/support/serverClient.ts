/**
 * A test client for dist/server.js: starts the real server as a child
 * process and speaks the same JSON-RPC as any LSP client, recording every
 * notification so that tests can wait for events instead of sleeping.
 *
 * It goes through vscode-jsonrpc's connection, as an editor does;
 * wireClient.ts is the client for tests that must see the raw wire.
 */
import { ChildProcess, spawn } from 'child_process';
import {
    CancellationTokenSource,
    MessageConnection,
    NotificationType,
    StreamMessageReader,
    StreamMessageWriter,
    createMessageConnection,
} from 'vscode-jsonrpc/node';
import {
    ConditionNotification,
    ConditionParams,
    ExecuteParams,
    ExecuteRequest,
    ExecuteResult,
    ExecutionStateNotification,
    ExecutionStateParams,
    InitializationOptions,
    InputParams,
    InputRequest,
    InputResult,
    KernelStatusNotification,
    KernelStatusParams,
    OutputNotification,
    OutputParams,
    StatusRequest,
    SymbolsChangedNotification,
    SymbolsChangedParams,
} from '../../common/protocol';
import { SERVER } from './paths';
import { track } from './procs';

export interface StartOptions {
    init?: InitializationOptions;
    env?: Record<string, string>;
    /** Skip waiting for the kernel to become idle. */
    noWait?: boolean;
    rootUri?: string;
}

export class TestClient {
    readonly outputs: OutputParams[] = [];
    readonly conditions: ConditionParams[] = [];
    readonly symbols: SymbolsChangedParams[] = [];
    readonly statuses: KernelStatusParams[] = [];
    readonly states: ExecutionStateParams[] = [];
    readonly logs: string[] = [];
    inputHandler: (params: InputParams) => Promise<InputResult> | InputResult = () => ({ text: '' });
    private waiters: (() => void)[] = [];
    stderr = '';
    exitCode: number | null | undefined = undefined;

    private constructor(readonly process: ChildProcess, readonly connection: MessageConnection) {
        const record = <P>(type: NotificationType<P>, into: P[]) =>
            connection.onNotification(type, (p: P) => {
                into.push(p);
                this.wake();
            });
        record(OutputNotification, this.outputs);
        record(ConditionNotification, this.conditions);
        record(SymbolsChangedNotification, this.symbols);
        record(KernelStatusNotification, this.statuses);
        record(ExecutionStateNotification, this.states);
        connection.onNotification('window/logMessage', (p: { message: string }) => {
            this.logs.push(p.message);
            this.wake();
        });
        connection.onRequest(InputRequest, (p: InputParams) => this.inputHandler(p));
    }

    static async start(options: StartOptions = {}): Promise<TestClient> {
        const child = track(spawn(process.execPath, [...(process.env.SERVER_NODE_ARGS ? process.env.SERVER_NODE_ARGS.split(' ') : []), SERVER, '--stdio'], {
            stdio: ['pipe', 'pipe', 'pipe'],
            env: { ...process.env, ...options.env },
        }));
        const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
        const client = new TestClient(child, connection);
        child.stderr!.on('data', (d: Buffer) => (client.stderr += d.toString()));
        child.on('exit', (code) => {
            client.exitCode = code;
            client.wake();
        });
        connection.listen();
        await connection.sendRequest('initialize', {
            processId: process.pid,
            rootUri: options.rootUri ?? null,
            capabilities: {},
            initializationOptions: options.init ?? {},
        });
        await connection.sendNotification('initialized', {});
        if (!options.noWait) await client.waitFor(() => client.lastStatus()?.state === 'idle', 30000, 'kernel idle');
        return client;
    }

    lastStatus(): KernelStatusParams | undefined {
        return this.statuses[this.statuses.length - 1];
    }

    execute(code: string | ExecuteParams, token?: CancellationTokenSource): Promise<ExecuteResult> {
        const params = typeof code === 'string' ? { code } : code;
        return this.connection.sendRequest(ExecuteRequest, params, token?.token);
    }

    status() {
        return this.connection.sendRequest(StatusRequest, {});
    }

    /** Output text of one execution (or of none, with null), per stream or both. */
    textOf(executionId: string | null, stream?: 'stdout' | 'stderr'): string {
        return this.outputs
            .filter((o) => o.executionId === executionId && (!stream || o.stream === stream))
            .map((o) => o.text)
            .join('');
    }

    /** Runs code that must succeed and returns its stdout. */
    async run(code: string): Promise<string> {
        const result = await this.execute(code);
        if (result.status !== 'ok') throw new Error(`'${code}' ended with ${result.status}: ${JSON.stringify(result.error)}`);
        return this.textOf(result.executionId, 'stdout');
    }

    wake(): void {
        for (const w of this.waiters.splice(0)) w();
    }

    /** Waits until `condition` holds, re-checking on every message; fails after `ms`. */
    async waitFor(condition: () => boolean, ms = 10000, what = 'condition'): Promise<void> {
        const deadline = Date.now() + ms;
        while (!condition()) {
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, Math.min(left, 250));
                this.waiters.push(() => {
                    clearTimeout(timer);
                    resolve();
                });
            });
        }
    }

    async stop(): Promise<void> {
        if (this.exitCode !== undefined) return;
        try {
            await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
            void this.connection.sendNotification('exit');
        } catch {
            // Already gone.
        }
        await this.waitFor(() => this.exitCode !== undefined, 5000, 'server exit').catch(() => this.process.kill('SIGKILL'));
        this.connection.dispose();
    }
}
