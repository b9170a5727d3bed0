/**
 * A session: code-server + the probe + Chromium + one page with the
 * workbench, for one test or one suite run. Everything it starts runs in a
 * fresh temporary folder (user data, extensions, the workspace copied from
 * examples/, sockets and result files) and is stopped by close().
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { ROOT } from '../support/paths';
import { consoleText, launchBrowser } from './chromium';
import { CodeServer } from './codeServer';
import { Log } from './log';
import { extensionId, extensionRoot } from './manifest';
import { ProbeConnection, ProbeServer, writeProbeExtension } from './probe';
import { stopSessions } from './processes';

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
        /** The registry of detached R sessions (RBRIDGE_RUNTIME_DIR) of this run's code-server. */
        readonly runtimeDir: string,
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
            // Detached R sessions register here, not in the user's runtime
            // folder: this run finds only its own, and close() stops them all.
            const runtimeDir = path.join(runDir, 'rt');
            fs.mkdirSync(runtimeDir, { mode: 0o700 });
            cleanups.push(async () => void (await stopSessions(runtimeDir)));
            const env: Record<string, string> = { RBRIDGE_RUNTIME_DIR: runtimeDir, ...options.env };
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
            return new Session(options, log, runDir, workspace, server, probeServer, browser, context, page, payload, socketDir, runtimeDir);
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
        // Detached sessions outlive code-server by design: stopped here, so that no R is left behind.
        const sessions = await stopSessions(this.runtimeDir);
        if (sessions.length) this.log.write('harness', `stopped ${sessions.length} detached R session(s): ${sessions.join(', ')}`);
        this.log.write('harness', 'stopped');
        this.log.close();
        if (!process.env.RBRIDGE_E2E_KEEP) fs.rmSync(this.runDir, { recursive: true, force: true });
    }
}
