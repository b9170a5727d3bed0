/**
 * The probe: a tiny helper extension that the end-to-end harness loads next
 * to R Bridge in code-server. It connects to a Unix socket named by the
 * RBRIDGE_PROBE_SOCKET environment variable (which the extension host
 * inherits from code-server) and answers a handful of requests with the
 * `vscode` API: find and activate R Bridge, call its exported API, run a
 * command, and forward the API's events with timestamps.
 *
 * The browser tests read what a person sees from the DOM; the probe is how
 * they check what the DOM cannot show (activation, the kernel's state) and
 * how the benchmark gets precise event times. It runs only when the
 * harness asked for it: without the variable it does nothing.
 *
 * Wire: one JSON object per line each way. Requests `{id, op, ...}` get
 * `{id, result}` or `{id, error}`; events are `{event, data, time}` where
 * `time` is `performance.timeOrigin + performance.now()`, comparable with the
 * same expression in the browser page because both count from the epoch.
 */
import * as net from 'net';
import * as readline from 'readline';
import * as vscode from 'vscode';

const RBRIDGE_ID = process.env.RBRIDGE_PROBE_TARGET ?? 'rbridge.rbridge';

interface Request {
    id: number;
    op: string;
    name?: string;
    args?: unknown[];
}

function now(): number {
    return performance.timeOrigin + performance.now();
}

/**
 * Turns an API result into something JSON can carry: functions and cycles
 * are dropped, and `vscode` objects become their plain fields.
 */
function plain(value: unknown, depth = 0, seen = new Set<unknown>()): unknown {
    if (value === undefined || typeof value === 'function') return undefined;
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value) || depth > 6) return '[…]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1, seen));
    if (value instanceof Error) return { name: value.name, message: value.message };
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
        const v = plain((value as Record<string, unknown>)[key], depth + 1, seen);
        if (v !== undefined) out[key] = v;
    }
    return out;
}

/** The names of an API object's members, own and inherited (classes keep methods on the prototype). */
function memberNames(api: unknown): string[] {
    const names = new Set<string>();
    for (let o = api; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
        for (const key of Object.getOwnPropertyNames(o)) if (key !== 'constructor') names.add(key);
    }
    return [...names].sort();
}

export function activate(context: vscode.ExtensionContext): void {
    const socketPath = process.env.RBRIDGE_PROBE_SOCKET;
    if (!socketPath) return;
    const socket = net.createConnection(socketPath);
    const send = (message: unknown) => {
        if (!socket.destroyed) socket.write(JSON.stringify(message) + '\n');
    };
    const subscriptions: vscode.Disposable[] = [];
    context.subscriptions.push({ dispose: () => subscriptions.splice(0).forEach((d) => d.dispose()) }, { dispose: () => socket.destroy() });

    const extension = () => vscode.extensions.getExtension(RBRIDGE_ID);
    const api = () => extension()?.exports as Record<string, unknown> | undefined;

    // Every `onX` member of the API that behaves as a vscode.Event is
    // subscribed to, so the probe needs no knowledge of which events exist;
    // objects one level down (an API that hands out its session, say) are
    // searched too, and their events named `member.onX`.
    const subscribe = (): string[] => {
        subscriptions.splice(0).forEach((d) => d.dispose());
        const target = api();
        const names: string[] = [];
        const visit = (owner: Record<string, unknown>, prefix: string, depth: number) => {
            for (const name of memberNames(owner)) {
                let member: unknown;
                try {
                    member = owner[name];
                } catch {
                    continue;
                }
                if (depth === 0 && member && typeof member === 'object' && !Array.isArray(member)) {
                    visit(member as Record<string, unknown>, `${name}.`, depth + 1);
                    continue;
                }
                if (!/^on[A-Z]/.test(name) || typeof member !== 'function') continue;
                const eventName = prefix + name;
                try {
                    const disposable = (member as vscode.Event<unknown>).call(owner, (data: unknown) =>
                        send({ event: eventName, data: plain(data), time: now() }),
                    );
                    if (disposable && typeof (disposable as vscode.Disposable).dispose === 'function') {
                        subscriptions.push(disposable as vscode.Disposable);
                        names.push(eventName);
                    }
                } catch {
                    // Not an event after all; leave it alone.
                }
            }
        };
        if (target && typeof target === 'object') visit(target, '', 0);
        return names;
    };

    // A dotted name (`session.whenReady`) is looked up member by member, so
    // that a method is called on the object it belongs to.
    const resolve = (name: string | undefined): { owner: unknown; member: unknown } => {
        let owner: unknown;
        let member: unknown = api();
        for (const part of (name ?? '').split('.').filter(Boolean)) {
            if (!member || (typeof member !== 'object' && typeof member !== 'function')) return { owner, member: undefined };
            owner = member;
            member = (member as Record<string, unknown>)[part];
        }
        return { owner, member };
    };

    const handle = async (request: Request): Promise<unknown> => {
        switch (request.op) {
            case 'extension': {
                const ext = extension();
                return ext
                    ? { found: true, isActive: ext.isActive, version: ext.packageJSON.version, path: ext.extensionPath, members: ext.isActive ? memberNames(ext.exports) : [] }
                    : { found: false };
            }
            case 'activate': {
                const ext = extension();
                if (!ext) throw new Error(`extension ${RBRIDGE_ID} is not installed`);
                const wasActive = ext.isActive;
                const start = now();
                await ext.activate();
                const end = now();
                return { wasActive, start, end, members: memberNames(ext.exports), events: subscribe() };
            }
            case 'call': {
                const { owner, member } = resolve(request.name);
                if (typeof member !== 'function') throw new Error(`the API has no method ${request.name}`);
                const start = now();
                const result = await (member as (...a: unknown[]) => unknown).apply(owner, request.args ?? []);
                return { start, end: now(), value: plain(result) };
            }
            case 'get':
                return plain(resolve(request.name).member);
            case 'executeCommand': {
                if (!request.name) throw new Error('no command');
                const start = now();
                const result = await vscode.commands.executeCommand(request.name, ...(request.args ?? []));
                return { start, end: now(), value: plain(result) };
            }
            case 'commands':
                return (await vscode.commands.getCommands(true)).filter((c) => c.startsWith(request.name ?? '')).sort();
            case 'terminals':
                return vscode.window.terminals.map((t) => ({ name: t.name, active: t === vscode.window.activeTerminal }));
            case 'now':
                return now();
            default:
                throw new Error(`unknown op ${request.op}`);
        }
    };

    // One JSON request per line.
    readline.createInterface({ input: socket, crlfDelay: Infinity }).on('line', (line) => {
        if (!line.trim()) return;
        const request = JSON.parse(line) as Request;
        handle(request).then(
            (result) => send({ id: request.id, result: result ?? null }),
            (error: unknown) => send({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
        );
    });
    // A socket error means the harness is gone; there is nobody to tell.
    socket.on('error', () => undefined);
    socket.on('connect', () => {
        const ext = extension();
        send({ event: 'hello', data: { pid: process.pid, found: !!ext, isActive: ext?.isActive ?? false }, time: now() });
        // VS Code has no event for another extension's activation, so an
        // R Bridge that activated on its own is subscribed to here, and one
        // that did not yet is subscribed to by the `activate` request.
        if (ext?.isActive) subscribe();
    });
}

export function deactivate(): void {}
