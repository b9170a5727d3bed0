/**
 * Runs the extension-host test suite (test/vscode/index.ts, bundled to
 * out/vscode-tests/index.js) inside a real VS Code: code-server with R Bridge
 * in development mode from the repository, in headless Chromium.
 *
 *   node out/e2e/runVSCodeTests.js [--trust] [--verbose] [--deadline SECONDS]
 *       [--grep PATTERN] [--extension-path DIR] [--tests-path FILE]
 *
 * The suite's result arrives on two channels, and both must agree before the
 * run counts as passed: the workbench's automation exit code (0 or 1, from
 * the promise that run() returned) and a JSON file the suite writes to the
 * path in RBRIDGE_TEST_RESULT (see test/e2e/README.md). Exit code: 0 passed,
 * 1 failed, 2 could not run, 124 deadline.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, Session, SUITE_ENTRY, armDeadline, codeServerDir, extensionRoot } from './harness';

export interface SuiteResult {
    passed: number;
    failed: number;
    pending?: number;
    failures?: { title: string; error?: string }[];
}

interface Options {
    trust: boolean;
    verbose: boolean;
    deadlineMs: number;
    extensionPath: string;
    testsPath: string;
    grep: string | undefined;
}

function parseArgs(argv: string[]): Options {
    const options: Options = { trust: false, verbose: false, deadlineMs: 10 * 60_000, extensionPath: extensionRoot(), testsPath: SUITE_ENTRY, grep: undefined };
    for (let i = 0; i < argv.length; i++) {
        const value = () => {
            if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
            return argv[++i];
        };
        switch (argv[i]) {
            case '--trust':
                options.trust = true;
                break;
            case '--verbose':
                options.verbose = true;
                break;
            case '--deadline':
                options.deadlineMs = Number(value()) * 1000;
                break;
            case '--extension-path':
                options.extensionPath = path.resolve(value());
                break;
            case '--grep':
                options.grep = value();
                break;
            case '--tests-path':
                options.testsPath = path.resolve(value());
                break;
            default:
                throw new Error(`unknown argument ${argv[i]}`);
        }
    }
    return options;
}

/**
 * The workbench's own start-up messages, which share the page console with
 * the suite's report and would only hide it.
 */
const WORKBENCH_NOISE = [
    /^Resolv(ing|ed) connection token/,
    /^Creating a socket/,
    /^Updating additional builtin extensions cache/,
    /^\[Service Worker\]/,
    /^ChatSessionStore:/,
    /open-vsx\.org/,
    /^Started local extension host/,
    /^Extension host \(\w+\) is (started|unresponsive|responsive)/,
];

/**
 * The lines of the page console that belong to the suite's report. In test
 * mode the workbench passes the extension host's console to its log service,
 * which prints them as " INFO text" (" WARN", "  ERR"), without saying where
 * they came from; the browser's own messages (failed loads, iframe warnings)
 * have no such prefix.
 */
function suiteLine(text: string): string | undefined {
    const match = /^ *(?:INFO|WARN|ERR) ?([\s\S]*)$/.exec(text);
    if (!match || WORKBENCH_NOISE.some((re) => re.test(match[1]))) return undefined;
    return match[1];
}

async function main(): Promise<number> {
    const options = parseArgs(process.argv.slice(2));
    const started = Date.now();
    codeServerDir();
    for (const [file, hint] of [
        [options.testsPath, 'build the suite with: npm run build:tests'],
        [path.join(options.extensionPath, 'package.json'), 'the extension folder has no package.json'],
    ]) {
        if (!fs.existsSync(file)) {
            process.stderr.write(`runVSCodeTests: ${file} is missing; ${hint}\n`);
            return 2;
        }
    }

    const resultFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-result-')), 'result.json');
    let exitCode: number | undefined;
    let finished: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finished = resolve));

    const session = await Session.start({
        name: 'vscode-suite',
        extension: { developmentPath: options.extensionPath },
        extensionTestsPath: options.testsPath,
        // The suite talks to the extension itself; the probe would only add noise.
        probe: false,
        trust: options.trust,
        // The suite reads RBRIDGE_TEST_GREP to run only the matching tests.
        env: { RBRIDGE_TEST_RESULT: resultFile, ...(options.grep ? { RBRIDGE_TEST_GREP: options.grep } : {}) },
        onAutomationExit: (code) => {
            exitCode = code;
            finished();
        },
        onConsole: (text) => {
            const line = suiteLine(text);
            if (options.verbose) process.stdout.write(`${text}\n`);
            else if (line !== undefined) process.stdout.write(`${line}\n`);
        },
    });

    const stopAndExit = (code: number) => {
        void session.close().finally(() => process.exit(code));
    };
    process.once('SIGINT', () => stopAndExit(130));
    process.once('SIGTERM', () => stopAndExit(143));
    armDeadline(options.deadlineMs, session.log);

    // The run also ends if code-server or the page goes away without the suite reporting.
    const watchdog = setInterval(() => {
        if (session.server.exited || session.page.isClosed()) finished();
    }, 500);
    session.page.once('crash', finished);
    process.stdout.write(`runVSCodeTests: code-server on port ${session.server.port}, log ${path.relative(ROOT, session.log.file)}\n`);
    await done;
    clearInterval(watchdog);

    let result: SuiteResult | undefined;
    // run() resolves after the suite wrote its file; a short grace covers a write still in flight.
    for (let i = 0; i < 20 && !fs.existsSync(resultFile); i++) await new Promise((r) => setTimeout(r, 100));
    if (fs.existsSync(resultFile)) {
        try {
            result = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as SuiteResult;
        } catch (error) {
            process.stdout.write(`runVSCodeTests: the result file is not JSON: ${String(error)}\n`);
        }
    }
    await session.close();
    fs.rmSync(path.dirname(resultFile), { recursive: true, force: true });

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const problems: string[] = [];
    if (exitCode === undefined) problems.push(`the suite never reported (${session.server.exited ?? 'the page went away'})`);
    else if (exitCode !== 0) problems.push(`the workbench reported exit code ${exitCode}`);
    if (!result) problems.push(`no result file from the suite (RBRIDGE_TEST_RESULT)`);
    else {
        if (result.failed > 0) problems.push(`${result.failed} failed`);
        if (result.passed + result.failed === 0) problems.push('no tests ran');
        for (const failure of result.failures ?? []) process.stdout.write(`  failed: ${failure.title}${failure.error ? `: ${failure.error}` : ''}\n`);
    }
    const counts = result ? `${result.passed} passed, ${result.failed} failed, ${result.pending ?? 0} skipped` : 'no counts';
    process.stdout.write(`VS Code suite (code-server, ${seconds} s): ${counts}${problems.length ? ` — FAILED: ${problems.join('; ')}` : ''}\n`);
    if (exitCode === undefined && !result) return 2;
    return problems.length ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        // The message says what to do (install code-server, build the suite); the stack would bury it.
        process.stderr.write(`runVSCodeTests: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(2);
    },
);
