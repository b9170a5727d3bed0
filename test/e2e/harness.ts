/**
 * The end-to-end harness: a real VS Code (code-server 4.100.3, VS Code
 * 1.100.3's web workbench with its ordinary Node extension host) in headless
 * Debian Chromium driven by playwright-core, with R Bridge loaded either in
 * development mode from the repository or from a packaged VSIX.
 *
 * Everything it starts runs in a fresh temporary folder (user data,
 * extensions, the workspace copied from examples/, sockets and result files),
 * and every process it starts is stopped again: code-server in its own
 * process group together with everything below it (the extension host, the
 * language server, R), Chromium through Playwright. A process-exit hook kills
 * whatever is still registered if the caller dies first.
 *
 * See test/e2e/README.md for how to run it and for what the extension's test
 * suite and API are expected to provide; ../shared/docs/vscode-e2e.md for
 * the facts about code-server it relies on.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import * as util from 'util';
import { Browser, BrowserContext, ConsoleMessage, Locator, Page, chromium } from 'playwright-core';

// ---------------------------------------------------------------------------
// Paths

/** The repository root: the nearest folder above this file with a package.json (the harness runs bundled from out/). */
export const ROOT = (() => {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'out') {
        if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
        dir = path.dirname(dir);
    }
    return dir;
})();
export const OUTPUT_DIR = path.join(ROOT, '.test-output');
export const SCREENSHOT_DIR = path.join(OUTPUT_DIR, 'screenshots');
export const LOG_DIR = path.join(OUTPUT_DIR, 'logs');
/** Where the extension-host test suite is bundled (test/vscode/index.ts). */
export const SUITE_ENTRY = path.join(ROOT, 'out', 'vscode-tests', 'index.js');
/** Where the probe extension is bundled (test/e2e/probe/extension.ts). */
export const PROBE_ENTRY = path.join(ROOT, 'out', 'e2e', 'probe', 'extension.js');

export const CODE_SERVER_VERSION = '4.100.3';
export const CHROMIUM = process.env.RBRIDGE_CHROMIUM ?? '/usr/bin/chromium';
/** Launch arguments that work as root in a container without a GPU or a D-Bus. */
export const CHROMIUM_ARGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-dev-shm-usage',
];

/**
 * The extension under test in development mode: the repository, unless
 * RBRIDGE_E2E_EXTENSION names another folder (the harness's own tests use a
 * stand-in extension that way).
 */
export function extensionRoot(): string {
    return path.resolve(process.env.RBRIDGE_E2E_EXTENSION ?? ROOT);
}

/** The extension's identifier, `publisher.name` from the manifest. */
export function extensionId(): string {
    const manifest = readManifest();
    return `${manifest.publisher}.${manifest.name}`;
}

export interface Manifest {
    name: string;
    displayName?: string;
    publisher: string;
    version: string;
    contributes?: {
        commands?: { command: string; title: string; category?: string }[];
        keybindings?: { command: string; key: string; when?: string }[];
        viewsContainers?: Record<string, { id: string; title: string }[]>;
        views?: Record<string, { id: string; name: string }[]>;
    };
}

export function readManifest(folder = extensionRoot()): Manifest {
    return JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as Manifest;
}

/** The installed code-server's folder; throws with the command that installs it when it is missing. */
export function codeServerDir(): string {
    const cache = process.env.RBRIDGE_VSCODE_CACHE ?? path.join(os.homedir(), '.cache', 'rbridge-vscode');
    const top = path.join(cache, `code-server-${CODE_SERVER_VERSION}`);
    if (!fs.existsSync(path.join(top, '.rbridge-installed'))) {
        throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed in ${top}; run: bash scripts/install-vscode.sh`);
    }
    return path.join(top, 'node_modules', 'code-server');
}

// ---------------------------------------------------------------------------
// Logging

/**
 * A log file under .test-output/logs/, with a time stamp relative to the
 * start on every line; selected lines are echoed to stdout as well.
 */
export class Log {
    private readonly fd: number;
    private readonly start = Date.now();

    constructor(
        readonly file: string,
        private readonly echo: (line: string) => boolean = () => false,
    ) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        this.fd = fs.openSync(file, 'w');
    }

    static named(name: string, echo?: (line: string) => boolean): Log {
        return new Log(path.join(LOG_DIR, `${name}.log`), echo);
    }

    write(source: string, text: string, forceEcho = false): void {
        const stamp = ((Date.now() - this.start) / 1000).toFixed(3).padStart(8);
        for (const line of text.replace(/\s+$/, '').split('\n')) {
            try {
                fs.writeSync(this.fd, `${stamp} [${source}] ${line}\n`);
            } catch {
                // Closed already (a late console message after the end); the line is not needed.
            }
            if (forceEcho || this.echo(line)) process.stdout.write(`${line}\n`);
        }
    }

    info(text: string): void {
        this.write('harness', text, true);
    }

    close(): void {
        try {
            fs.closeSync(this.fd);
        } catch {
            // Closed twice; nothing to do.
        }
    }
}

// ---------------------------------------------------------------------------
// Processes

/** Process groups that are still running; killed on exit if nobody stopped them. */
const liveGroups = new Set<number>();
process.on('exit', () => {
    for (const pgid of liveGroups) {
        try {
            process.kill(-pgid, 'SIGKILL');
        } catch {
            // Gone already.
        }
    }
});

function isAlive(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        // A zombie has finished; only its parent's bookkeeping remains.
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
        return false;
    }
}

interface ProcInfo {
    pid: number;
    ppid: number;
    pgid: number;
}

/** Every process on the machine with its parent and process group, from /proc/PID/stat. */
function processTable(): ProcInfo[] {
    const table: ProcInfo[] = [];
    for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
            // The command name may hold spaces and parentheses; the fields after its closing one are: state ppid pgrp.
            const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            table.push({ pid: Number(entry), ppid: Number(fields[1]), pgid: Number(fields[2]) });
        } catch {
            // The process ended while we looked.
        }
    }
    return table;
}

/**
 * Every process below `pid`, and every process still in the process group
 * `pid` leads (an orphan is reparented but keeps its group). The language
 * server may start R in a process group of its own (so that an interrupt
 * reaches R alone), which stopping code-server's group alone would miss.
 */
export function descendants(pid: number): number[] {
    const table = processTable();
    const children = new Map<number, number[]>();
    for (const p of table) {
        const list = children.get(p.ppid) ?? [];
        list.push(p.pid);
        children.set(p.ppid, list);
    }
    const out = new Set<number>();
    const walk = (p: number) => {
        for (const c of children.get(p) ?? []) {
            if (out.has(c)) continue;
            out.add(c);
            walk(c);
        }
    };
    walk(pid);
    for (const p of table) {
        if (p.pgid === pid && p.pid !== pid && !out.has(p.pid)) {
            out.add(p.pid);
            walk(p.pid);
        }
    }
    return [...out];
}

function signal(pids: number[], pgid: number | undefined, sig: NodeJS.Signals): void {
    if (pgid !== undefined) {
        try {
            process.kill(-pgid, sig);
        } catch {
            // The group is empty already.
        }
    }
    for (const pid of pids) {
        try {
            process.kill(pid, sig);
        } catch {
            // Gone already.
        }
    }
}

/**
 * Stops a process that leads its own group, with everything below it:
 * SIGTERM to the group and to every descendant, then SIGKILL after a grace
 * period to whatever is left.
 */
export async function stopProcessTree(pid: number, graceMs = 3000): Promise<void> {
    const tree = new Set([pid, ...descendants(pid)]);
    signal([...tree], pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while ([...tree].some(isAlive) && Date.now() < deadline) await sleep(50);
    // Whatever started in between (a restarted kernel or pty host) is found
    // again here, as a child or as a member of the group.
    for (let round = 0; round < 20; round++) {
        for (const p of descendants(pid)) tree.add(p);
        const left = [...tree].filter(isAlive);
        if (!left.length) break;
        signal(left, pid, 'SIGKILL');
        await sleep(50);
    }
    liveGroups.delete(pid);
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A free TCP port on 127.0.0.1: the preferred one when it is free, else one the system picks. */
export async function freePort(preferred?: number): Promise<number> {
    const tryPort = (port: number) =>
        new Promise<number | undefined>((resolve) => {
            const server = net.createServer();
            server.once('error', () => resolve(undefined));
            server.listen(port, '127.0.0.1', () => {
                const address = server.address() as net.AddressInfo;
                server.close(() => resolve(address.port));
            });
        });
    if (preferred !== undefined) {
        const port = await tryPort(preferred);
        if (port !== undefined) return port;
    }
    const port = await tryPort(0);
    if (port === undefined) throw new Error('no free port on 127.0.0.1');
    return port;
}

function httpStatus(url: string): Promise<number | undefined> {
    return new Promise((resolve) => {
        const request = http.get(url, (response) => {
            response.resume();
            resolve(response.statusCode);
        });
        request.on('error', () => resolve(undefined));
        request.setTimeout(2000, () => {
            request.destroy();
            resolve(undefined);
        });
    });
}

/**
 * Arms a hard deadline for the whole process: when it passes, every process
 * group still registered is killed and the process exits with code 124 (as
 * `timeout` does). The timer does not keep Node alive.
 */
export function armDeadline(ms: number, log?: Log): NodeJS.Timeout {
    const timer = setTimeout(() => {
        const message = `hard deadline of ${Math.round(ms / 1000)} s reached; stopping everything`;
        if (log) log.info(message);
        else process.stderr.write(`${message}\n`);
        process.exit(124);
    }, ms);
    timer.unref();
    return timer;
}

// ---------------------------------------------------------------------------
// code-server

/** User settings that keep the workbench quiet and predictable under test. */
export function testSettings(trust: boolean): Record<string, unknown> {
    return {
        'security.workspace.trust.enabled': trust,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'extensions.ignoreRecommendations': true,
        'update.mode': 'none',
        'git.enabled': false,
        'chat.commandCenter.enabled': false,
        // The DOM renderer draws terminal rows as text, which the tests read.
        'terminal.integrated.gpuAcceleration': 'off',
        'window.restoreWindows': 'none',
    };
}

export interface CodeServerOptions {
    /** Folder for user data, extensions, the config file and sockets. */
    runDir: string;
    log: Log;
    /** Leave workspace trust on (default off, as --disable-workspace-trust). */
    trust?: boolean;
    /** Extra user settings, over testSettings(). */
    settings?: Record<string, unknown>;
    /** Extra environment for code-server, which its extension host inherits. */
    env?: Record<string, string>;
    /** A port to prefer (default: any free one). */
    port?: number;
    /** VSIX files to install before the first start. */
    vsix?: string[];
    /** Extension folders to copy into the extensions folder before the first start. */
    extensionFolders?: string[];
}

export class CodeServer {
    private stopped: Promise<void> | undefined;
    private exitInfo: string | undefined;

    private constructor(
        readonly process: ChildProcess,
        readonly port: number,
        readonly userDataDir: string,
        readonly extensionsDir: string,
        log: Log,
    ) {
        process.once('exit', (code, sig) => {
            this.exitInfo = `code-server exited (code ${code}, signal ${sig})`;
            log.write('harness', this.exitInfo);
        });
    }

    static async start(options: CodeServerOptions): Promise<CodeServer> {
        const entry = path.join(codeServerDir(), 'out', 'node', 'entry.js');
        const userDataDir = path.join(options.runDir, 'user-data');
        const extensionsDir = path.join(options.runDir, 'extensions');
        const configFile = path.join(options.runDir, 'config.yaml');
        fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
        fs.mkdirSync(extensionsDir, { recursive: true });
        fs.writeFileSync(
            path.join(userDataDir, 'User', 'settings.json'),
            JSON.stringify({ ...testSettings(options.trust ?? false), ...options.settings }, null, 4),
        );
        // The config file keeps code-server from writing ~/.config/code-server/config.yaml.
        fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
        const baseArgs = [entry, '--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
        const env = cleanEnv(options.env);

        // Folders go in before the VSIX installs, while extensions.json does
        // not exist yet: VS Code scans the folder only then.
        for (const folder of options.extensionFolders ?? []) {
            fs.cpSync(folder, path.join(extensionsDir, path.basename(folder)), { recursive: true });
        }
        for (const vsix of options.vsix ?? []) {
            await runToEnd(process.execPath, [...baseArgs, '--force', '--install-extension', vsix], env, options.log, 'install');
        }

        const port = await freePort(options.port);
        const args = [
            ...baseArgs,
            '--auth', 'none',
            '--bind-addr', `127.0.0.1:${port}`,
            '--disable-telemetry',
            '--disable-update-check',
            '--disable-getting-started-override',
            ...(options.trust ? [] : ['--disable-workspace-trust']),
        ];
        options.log.write('harness', `starting code-server on 127.0.0.1:${port}`);
        // Its own process group, so that stopping it reaches its children.
        const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: options.runDir });
        if (child.pid === undefined) throw new Error('code-server did not start');
        liveGroups.add(child.pid);
        child.stdout!.setEncoding('utf8').on('data', (d: string) => options.log.write('code-server', d));
        child.stderr!.setEncoding('utf8').on('data', (d: string) => options.log.write('code-server', d));
        const server = new CodeServer(child, port, userDataDir, extensionsDir, options.log);

        const deadline = Date.now() + 30_000;
        while ((await httpStatus(`http://127.0.0.1:${port}/healthz`)) !== 200) {
            if (server.exitInfo) throw new Error(`${server.exitInfo} before it was ready; see ${options.log.file}`);
            if (Date.now() > deadline) {
                await server.stop();
                throw new Error(`code-server did not answer on port ${port} within 30 s; see ${options.log.file}`);
            }
            await sleep(100);
        }
        return server;
    }

    /** A `vscode-remote:` URI for a path on this machine, as the web client's payload wants it. */
    remoteUri(absolutePath: string): string {
        return `vscode-remote://127.0.0.1:${this.port}${absolutePath}`;
    }

    /** The workbench URL for a folder, with development-mode entries in the `payload` parameter. */
    url(folder: string, payload: [string, string][] = []): string {
        let url = `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(folder)}`;
        if (payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
        return url;
    }

    get exited(): string | undefined {
        return this.exitInfo;
    }

    /** Stops code-server and everything below it; safe to call twice. */
    stop(): Promise<void> {
        if (!this.stopped) {
            this.stopped = this.process.pid === undefined ? Promise.resolve() : stopProcessTree(this.process.pid);
        }
        return this.stopped;
    }
}

/**
 * The environment for code-server: ours, without the variables that a VS Code
 * terminal around the test run sets, which would make the inner VS Code talk
 * to the outer one.
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE' || key === 'TERM_PROGRAM') continue;
        env[key] = value;
    }
    return { ...env, ...extra };
}

function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv, log: Log, label: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        const collect = (d: Buffer) => {
            output += d.toString();
            log.write(label, d.toString());
        };
        child.stdout.on('data', collect);
        child.stderr.on('data', collect);
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${label} failed (exit ${code}): ${output.trim()}`))));
    });
}

// ---------------------------------------------------------------------------
// The probe: a helper extension that answers from inside the extension host

export interface ProbeEvent {
    event: string;
    data: unknown;
    /** Epoch milliseconds with sub-millisecond precision (performance.timeOrigin + performance.now()). */
    time: number;
}

/** Writes the probe extension into `dir` and returns its folder. */
export function writeProbeExtension(dir: string): string {
    if (!fs.existsSync(PROBE_ENTRY)) throw new Error(`${PROBE_ENTRY} is missing; run: npm run build:tests`);
    const folder = path.join(dir, 'rbridge-test.rbridge-e2e-probe-0.0.1');
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(PROBE_ENTRY, path.join(folder, 'extension.js'));
    const manifest = {
        name: 'rbridge-e2e-probe',
        publisher: 'rbridge-test',
        version: '0.0.1',
        description: 'Answers the R Bridge end-to-end harness from inside the extension host.',
        engines: { vscode: '^1.91.0' },
        main: './extension.js',
        // It must be running before anything it should observe happens.
        activationEvents: ['*'],
        extensionKind: ['workspace'],
    };
    fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
    return folder;
}

/** One connection from a probe (one extension host; a restarted host connects again). */
export class ProbeConnection {
    readonly events: ProbeEvent[] = [];
    private nextId = 1;
    private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    private readonly listeners = new Set<() => void>();
    closed = false;

    constructor(private readonly socket: net.Socket, private readonly log: Log) {
        // One JSON message per line.
        readline.createInterface({ input: socket, crlfDelay: Infinity }).on('line', (line) => {
            if (line.trim()) this.receive(JSON.parse(line) as Record<string, unknown>);
        });
        socket.on('close', () => {
            this.closed = true;
            for (const { reject } of this.pending.values()) reject(new Error('the probe disconnected (extension host gone)'));
            this.pending.clear();
            this.wake();
        });
        socket.on('error', () => undefined);
    }

    private receive(message: Record<string, unknown>): void {
        if (typeof message.id === 'number') {
            const waiter = this.pending.get(message.id);
            this.pending.delete(message.id);
            if (message.error !== undefined) waiter?.reject(new Error(String(message.error)));
            else waiter?.resolve(message.result);
            return;
        }
        const event = message as unknown as ProbeEvent;
        this.events.push(event);
        this.log.write('probe', `${event.event} ${String(JSON.stringify(event.data)).slice(0, 2000)}`);
        this.wake();
    }

    private wake(): void {
        for (const listener of [...this.listeners]) listener();
    }

    request<T>(op: string, fields: { name?: string; args?: unknown[] } = {}, timeoutMs = 30_000): Promise<T> {
        if (this.closed) return Promise.reject(new Error('the probe is disconnected'));
        const id = this.nextId++;
        return new Promise<T>((resolve, reject) => {
            const timer = setTimeout(() => {
                this.pending.delete(id);
                reject(new Error(`probe request ${op} ${fields.name ?? ''} got no answer in ${timeoutMs} ms`));
            }, timeoutMs);
            this.pending.set(id, {
                resolve: (v) => {
                    clearTimeout(timer);
                    resolve(v as T);
                },
                reject: (e) => {
                    clearTimeout(timer);
                    reject(e);
                },
            });
            this.socket.write(JSON.stringify({ id, op, ...fields }) + '\n');
        });
    }

    /** Waits for an event (among those received from index `from` on) that satisfies `match`. */
    waitForEvent(match: (e: ProbeEvent) => boolean, timeoutMs: number, what: string, from = 0): Promise<ProbeEvent> {
        return new Promise((resolve, reject) => {
            let index = from;
            const check = () => {
                for (; index < this.events.length; index++) {
                    if (match(this.events[index])) {
                        done();
                        resolve(this.events[index]);
                        return;
                    }
                }
                if (this.closed) {
                    done();
                    reject(new Error(`the probe disconnected while waiting for ${what}`));
                }
            };
            const timer = setTimeout(() => {
                done();
                reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
            }, timeoutMs);
            const done = () => {
                clearTimeout(timer);
                this.listeners.delete(check);
            };
            this.listeners.add(check);
            check();
        });
    }

    close(): void {
        this.socket.destroy();
    }
}

/** The harness's end of the probe socket; every extension host that starts connects here. */
export class ProbeServer {
    private readonly connections: ProbeConnection[] = [];
    private readonly waiters = new Set<() => void>();

    private constructor(private readonly server: net.Server, readonly socketPath: string) {}

    static listen(socketPath: string, log: Log): Promise<ProbeServer> {
        return new Promise((resolve, reject) => {
            const server = net.createServer();
            const probe = new ProbeServer(server, socketPath);
            server.on('connection', (socket) => {
                probe.connections.push(new ProbeConnection(socket, log));
                log.write('harness', `probe connected (#${probe.connections.length})`);
                for (const waiter of [...probe.waiters]) waiter();
            });
            server.once('error', reject);
            server.listen(socketPath, () => resolve(probe));
        });
    }

    /** The number of connections so far; pass it to `connection()` to wait for the next one. */
    get count(): number {
        return this.connections.length;
    }

    /** Waits for connection number `index` (0-based; default the first). */
    connection(index = 0, timeoutMs = 60_000): Promise<ProbeConnection> {
        return new Promise((resolve, reject) => {
            const check = () => {
                if (this.connections.length > index) {
                    this.waiters.delete(check);
                    clearTimeout(timer);
                    resolve(this.connections[index]);
                }
            };
            const timer = setTimeout(() => {
                this.waiters.delete(check);
                reject(new Error(`no extension host connected its probe within ${timeoutMs / 1000} s`));
            }, timeoutMs);
            this.waiters.add(check);
            check();
        });
    }

    close(): void {
        for (const c of this.connections) c.close();
        this.server.close();
    }
}

// ---------------------------------------------------------------------------
// Browser

export async function launchBrowser(): Promise<Browser> {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; run: bash scripts/install-vscode.sh`);
    return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}

/**
 * The text of a page console message. The workbench's log service prints
 * `console.log('%c INFO', css, message, ...args)`: the `%c` directives and
 * their CSS are dropped, and the message is formatted with its arguments as
 * Node would (mocha's reporter sends `%s`/`%d` patterns through it).
 */
export async function consoleText(message: ConsoleMessage): Promise<string> {
    const args = message.args();
    if (!args.length) return message.text();
    const values = await Promise.all(args.map((a) => a.jsonValue().catch(() => a.toString())));
    let prefix: string | undefined;
    let rest = values;
    if (typeof values[0] === 'string' && values[0].includes('%c')) {
        prefix = values[0].replace(/%c/g, '');
        rest = values.slice(1 + (values[0].match(/%c/g) ?? []).length);
    }
    const body = rest.length ? util.format(...rest) : '';
    return prefix === undefined ? body : `${prefix} ${body}`;
}

// ---------------------------------------------------------------------------
// A session: code-server + browser + page, for one test or one suite run

export interface SessionOptions {
    /** Names the log file (.test-output/logs/NAME.log) and the temporary folder. */
    name: string;
    /**
     * How R Bridge is loaded: in development mode from a folder (default: the
     * repository root), or installed from a VSIX.
     */
    extension?: { developmentPath: string } | { vsix: string };
    /** An extension-host test suite (a module exporting run()); development mode. */
    extensionTestsPath?: string;
    /** Load the probe extension (default true). */
    probe?: boolean;
    trust?: boolean;
    settings?: Record<string, unknown>;
    env?: Record<string, string>;
    /** Files to write into the workspace copy, relative path → content. */
    workspaceFiles?: Record<string, string>;
    /** Which log lines go to stdout too. */
    echo?: (line: string) => boolean;
    /** Called with the workbench's automation exit code (tests finished). */
    onAutomationExit?: (code: number) => void;
    /** Called for each page console line. */
    onConsole?: (text: string, message: ConsoleMessage) => void;
    viewport?: { width: number; height: number };
    /** A script run in the page before the workbench's own (Playwright's addInitScript). */
    initScript?: string;
}

export class Session {
    private closed = false;

    private constructor(
        readonly options: SessionOptions,
        readonly log: Log,
        readonly runDir: string,
        readonly workspace: string,
        readonly server: CodeServer,
        readonly probeServer: ProbeServer | undefined,
        readonly browser: Browser,
        readonly context: BrowserContext,
        readonly page: Page,
        private readonly payload: [string, string][],
        private readonly socketDir: string | undefined,
    ) {}

    /** The workbench URL for a folder, with this session's development-mode payload. */
    urlFor(folder: string): string {
        return this.server.url(folder, this.payload);
    }

    /** Opens another folder in the same page: a new window, with a new extension host (the old one exits). */
    async openFolder(folder: string): Promise<void> {
        const url = this.urlFor(folder);
        this.log.write('harness', `opening ${url}`);
        await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    }

    /** Starts code-server and the browser and opens the workbench (without waiting for it to be ready). */
    static async start(options: SessionOptions): Promise<Session> {
        const log = Log.named(options.name, options.echo);
        const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `rbridge-e2e-${options.name.replace(/[^\w-]/g, '_')}-`));
        log.write('harness', `run folder ${runDir}`);
        const workspace = path.join(runDir, 'workspace');
        fs.cpSync(path.join(ROOT, 'examples'), workspace, { recursive: true });
        for (const [file, content] of Object.entries(options.workspaceFiles ?? {})) {
            fs.mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
            fs.writeFileSync(path.join(workspace, file), content);
        }

        const cleanups: (() => Promise<void> | void)[] = [];
        const undo = async () => {
            for (const c of cleanups.reverse()) await c();
        };
        try {
            const env: Record<string, string> = { ...options.env };
            let probeServer: ProbeServer | undefined;
            let probeFolder: string | undefined;
            let socketDir: string | undefined;
            if (options.probe ?? true) {
                // Unix socket paths are limited to 107 bytes, so the socket lives in a short folder of its own.
                socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbp-'));
                const dir = socketDir;
                cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
                probeServer = await ProbeServer.listen(path.join(socketDir, 'probe.sock'), log);
                cleanups.push(() => probeServer!.close());
                env.RBRIDGE_PROBE_SOCKET = probeServer.socketPath;
                env.RBRIDGE_PROBE_TARGET = extensionId();
                probeFolder = writeProbeExtension(path.join(runDir, 'probe'));
            }

            const extension = options.extension ?? { developmentPath: extensionRoot() };
            const vsix = 'vsix' in extension ? [extension.vsix] : [];
            const server = await CodeServer.start({
                runDir,
                log,
                trust: options.trust,
                settings: options.settings,
                env,
                vsix,
                // The probe goes into the extensions folder: the workbench
                // reads the URL's payload into a Map, so only one
                // extensionDevelopmentPath survives, and that one is R Bridge's.
                extensionFolders: probeFolder ? [probeFolder] : [],
            });
            cleanups.push(() => server.stop());

            const payload: [string, string][] = [];
            if ('developmentPath' in extension) {
                payload.push(['extensionDevelopmentPath', server.remoteUri(extension.developmentPath)]);
            }
            if (options.extensionTestsPath) {
                if (!payload.length) throw new Error('an extension test suite needs development mode');
                payload.push(['extensionTestsPath', server.remoteUri(options.extensionTestsPath)]);
            }
            const url = server.url(workspace, payload);

            const browser = await launchBrowser();
            cleanups.push(() => browser.close());
            const context = await browser.newContext({ viewport: options.viewport ?? { width: 1440, height: 900 } });
            const page = await context.newPage();
            // Formatting a message is asynchronous; the chain keeps the lines in order.
            let consoleChain = Promise.resolve();
            page.on('console', (message) => {
                consoleChain = consoleChain.then(async () => {
                    const text = await consoleText(message).catch(() => message.text());
                    log.write(`console.${message.type()}`, text);
                    options.onConsole?.(text, message);
                });
            });
            page.on('pageerror', (error) => log.write('pageerror', error.stack ?? error.message));
            page.on('crash', () => log.write('harness', 'the page crashed'));
            if (options.onAutomationExit) {
                const onExit = options.onAutomationExit;
                // The workbench calls this when the extension tests have finished.
                await page.exposeFunction('codeAutomationExit', (code: number) => onExit(Number(code)));
            }
            if (options.initScript) await page.addInitScript(options.initScript);
            log.write('harness', `opening ${url}`);
            await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
            return new Session(options, log, runDir, workspace, server, probeServer, browser, context, page, payload, socketDir);
        } catch (error) {
            await undo();
            log.close();
            if (!process.env.RBRIDGE_E2E_KEEP) fs.rmSync(runDir, { recursive: true, force: true });
            throw error;
        }
    }

    /** The probe of the current extension host (connection `index`; default the first). */
    probe(index = 0, timeoutMs = 60_000): Promise<ProbeConnection> {
        if (!this.probeServer) throw new Error('this session has no probe');
        return this.probeServer.connection(index, timeoutMs);
    }

    /** Stops the browser, code-server (and everything below it) and removes the temporary folder. */
    async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        await this.browser.close().catch(() => undefined);
        this.probeServer?.close();
        if (this.socketDir) fs.rmSync(this.socketDir, { recursive: true, force: true });
        await this.server.stop();
        this.log.write('harness', 'stopped');
        this.log.close();
        if (!process.env.RBRIDGE_E2E_KEEP) fs.rmSync(this.runDir, { recursive: true, force: true });
    }
}

// ---------------------------------------------------------------------------
// Driving the workbench as a person would

/** Monaco and xterm draw spaces as U+00A0; tests compare ordinary text. */
/** What a browser suite works with once workbenchSuite()'s hook has run. */
export interface WorkbenchSuite {
    session: Session;
    wb: Workbench;
    probe: ProbeConnection;
}

/**
 * The mocha hooks every browser suite shares, registered in the calling
 * describe(): a code-server session (options() is called in the hook, so
 * it may check files and throw), its workbench once ready, the probe, a
 * screenshot `<prefix>-failed-<test>` of every failed test, and the session
 * closed at the end. The returned object is filled in by the hook.
 */
export function workbenchSuite(prefix: string, options: () => SessionOptions): WorkbenchSuite {
    const suite = {} as WorkbenchSuite;
    before(async function () {
        this.timeout(180_000);
        armDeadline(10 * 60_000);
        clearScreenshots(`${prefix}-`);
        suite.session = await Session.start(options());
        suite.wb = new Workbench(suite.session.page, suite.session.log);
        await suite.wb.ready();
        suite.probe = await suite.session.probe();
    });
    after(async () => {
        await suite.session?.close();
    });
    afterEach(async function () {
        if (this.currentTest?.state === 'failed' && suite.wb) {
            await suite.wb.screenshot(`${prefix}-failed-${this.currentTest.title.replace(/\W+/g, '-')}`).catch(() => undefined);
        }
    });
    return suite;
}

export function normalize(text: string): string {
    return text.replace(/\u00a0/g, ' ');
}

/** Removes the screenshots of an earlier run whose names start with `prefix`, so that none of them is mistaken for this run's. */
export function clearScreenshots(prefix: string): void {
    if (!fs.existsSync(SCREENSHOT_DIR)) return;
    for (const file of fs.readdirSync(SCREENSHOT_DIR)) {
        if (file.startsWith(prefix) && file.endsWith('.png')) fs.rmSync(path.join(SCREENSHOT_DIR, file));
    }
}

export class Workbench {
    constructor(readonly page: Page, readonly log: Log) {}

    /** Waits until the workbench shows its parts (the status bar is the last to appear). */
    async ready(timeoutMs = 60_000): Promise<void> {
        await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
        await this.page.locator('.monaco-workbench .part.sidebar').first().waitFor({ state: 'attached', timeout: timeoutMs });
    }

    async screenshot(name: string): Promise<string> {
        fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const file = path.join(SCREENSHOT_DIR, `${name}.png`);
        await this.page.screenshot({ path: file });
        this.log.write('harness', `screenshot ${path.relative(ROOT, file)}`);
        return file;
    }

    /** Ctrl+P, the file name, Enter; resolves when its editor tab is active. */
    async openFile(name: string): Promise<void> {
        await this.page.keyboard.press('Control+P');
        const input = this.page.locator('.quick-input-widget input');
        await input.waitFor({ state: 'visible' });
        await this.page.keyboard.type(name);
        await this.page
            .locator('.quick-input-list .monaco-list-row.focused', { hasText: name })
            .waitFor({ state: 'visible', timeout: 15_000 });
        await this.page.keyboard.press('Enter');
        await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 15_000 });
        await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').waitFor();
    }

    /**
     * F1, the command's title, Enter, as in the command palette. The palette
     * filters as keys arrive, so the focused row is read until it is the
     * command asked for, and Enter is pressed only then.
     */
    async runCommand(title: string): Promise<void> {
        await this.page.keyboard.press('F1');
        await this.page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
        await this.page.keyboard.type(title);
        const row = this.page.locator('.quick-input-list .monaco-list-row.focused .label-name').first();
        const wanted = title.toLowerCase();
        await this.waitFor(
            async () => normalize((await row.textContent({ timeout: 5_000 }).catch(() => '')) ?? ''),
            (label) => label.toLowerCase() === wanted,
            `"${title}" focused in the command palette`,
            10_000,
        );
        await this.page.keyboard.press('Enter');
    }

    /** Goes to a 1-based line with Ctrl+G. */
    async goToLine(line: number): Promise<void> {
        await this.page.keyboard.press('Control+G');
        await this.page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
        await this.page.keyboard.type(String(line));
        await this.page.keyboard.press('Enter');
        await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    }

    /** Selects `count` whole lines starting at a 1-based line, with the keyboard. */
    async selectLines(first: number, count: number): Promise<void> {
        await this.goToLine(first);
        await this.page.keyboard.press('Home');
        await this.page.keyboard.press('Home');
        for (let i = 0; i < count - 1; i++) await this.page.keyboard.press('Shift+ArrowDown');
        await this.page.keyboard.press('Shift+End');
    }

    /** The text of the active editor's visible lines. */
    async editorText(): Promise<string> {
        return normalize(await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').innerText());
    }

    /** The rows of the visible terminal, as text (DOM renderer). */
    terminalRows(): Locator {
        return this.page.locator('.part.panel .terminal-wrapper.active .xterm-rows');
    }

    async terminalText(): Promise<string> {
        const rows = this.terminalRows();
        if (!(await rows.count())) return '';
        return normalize(await rows.first().innerText());
    }

    /**
     * The rows of a tree view (or of the whole side bar), each as its label
     * and description joined by one space, the way a person reads them.
     */
    async treeRows(paneTitle?: string): Promise<string[]> {
        const scope = paneTitle
            ? this.page.locator(`.part.sidebar .pane:has(.pane-header:has-text("${paneTitle}"))`)
            : this.page.locator('.part.sidebar');
        const rows = scope.locator('.monaco-list-row');
        const out: string[] = [];
        for (let i = 0, n = await rows.count(); i < n; i++) {
            const row = rows.nth(i);
            const parts = [
                ...(await row.locator('.label-name').allInnerTexts()),
                ...(await row.locator('.label-description').allInnerTexts()),
            ];
            const text = parts.length ? parts.join(' ') : await row.innerText();
            out.push(normalize(text).replace(/\s+/g, ' ').trim());
        }
        return out;
    }

    /** Polls `read` until `accept` holds, for at most `timeoutMs`; fails naming `what` and the last value. */
    async waitFor<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
        const deadline = Date.now() + timeoutMs;
        let last: T | undefined;
        for (;;) {
            last = await read();
            if (accept(last)) return last;
            if (Date.now() > deadline) {
                throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)?.slice(0, 2000)}`);
            }
            await sleep(100);
        }
    }

    /** Text of the notifications on screen. */
    async notifications(): Promise<string[]> {
        return (await this.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts()).map(normalize);
    }

    async statusBar(): Promise<string[]> {
        return (await this.page.locator('.part.statusbar .statusbar-item').allInnerTexts()).map(normalize);
    }
}
