/**
 * code-server 4.100.3 (VS Code 1.100.3's web workbench with its ordinary
 * Node extension host): where it is installed (scripts/install-vscode.sh),
 * starting it on a free port of 127.0.0.1 in its own process group with a
 * fresh user-data and extensions folder, test settings and `--config` (so
 * that it writes nothing to ~/.config), VSIX installation and extension
 * folders before the first start, and stopping it with everything below it.
 *
 * ../shared/docs/vscode-e2e.md has the facts about code-server this relies on.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { sleep } from '../support/time';
import type { Log } from './log';
import { registerGroup, stopProcessTree } from './processes';

export const CODE_SERVER_VERSION = '4.100.3';

/** The installed code-server's folder; throws with the command that installs it when it is missing. */
export function codeServerDir(): string {
    const cache = process.env.RBRIDGE_VSCODE_CACHE ?? path.join(os.homedir(), '.cache', 'rbridge-vscode');
    const top = path.join(cache, `code-server-${CODE_SERVER_VERSION}`);
    if (!fs.existsSync(path.join(top, '.rbridge-installed'))) {
        throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed in ${top}; run: bash scripts/install-vscode.sh`);
    }
    return path.join(top, 'node_modules', 'code-server');
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
        registerGroup(child.pid);
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
