/**
 * The extension-host test suite: VS Code (code-server through
 * test/e2e/runVSCodeTests.ts, or the desktop app through
 * @vscode/test-electron) loads this bundle (out/vscode-tests/index.js) as
 * extensionTestsPath and calls run(). The test files use mocha's TDD
 * interface (suite/test) and only the plain `vscode` API and R Bridge's own
 * API.
 *
 * Besides the returned promise, the result goes to the JSON file named by
 * RBRIDGE_TEST_RESULT (when set): { passed, failed, pending, failures:
 * [{ title, error }] }. RBRIDGE_TEST_GREP runs only the tests whose full
 * title matches.
 */
import * as fs from 'fs';
import Mocha from 'mocha';
import { format } from 'util';

export async function run(): Promise<void> {
    const mocha = new Mocha({
        ui: 'tdd',
        reporter: 'spec',
        color: false,
        // Generous: R starts in a second or two, but the machines that run
        // this suite may be slow and busy. Tests wait on events, not on time.
        timeout: 90_000,
        slow: 10_000,
    });
    // Reporters print with printf-style arguments; VS Code's log forwarding
    // (in code-server) does not format them, so the lines are formatted here.
    Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(format(...args));
    if (process.env.RBRIDGE_TEST_GREP) mocha.grep(process.env.RBRIDGE_TEST_GREP);
    // The test files register their suites when loaded: mocha's globals
    // (suite, test, setup...) must exist by then.
    mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, 'rbridge', mocha);
    await import('./manifest.test.js');
    await import('./browser.test.js');
    await import('./run.test.js');
    await import('./console.test.js');
    await import('./transcript.test.js');
    await import('./keys.test.js');
    await import('./variables.test.js');
    await import('./plots.test.js');
    await import('./dataView.test.js');
    await import('./language.test.js');
    await import('./jobs.test.js');
    await import('./lifecycle.test.js');
    await import('./sessions.test.js');
    await import('./debug.test.js');

    const failures: { title: string; error?: string }[] = [];
    const counts = await new Promise<{ passed: number; failed: number; pending: number }>((resolve) => {
        const runner = mocha.run(() => {
            resolve({ passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0, pending: runner.stats?.pending ?? 0 });
        });
        runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, error: Error) => {
            failures.push({ title: test.fullTitle(), error: error?.message });
        });
    });
    const summary = `${counts.passed} passed, ${counts.failed} failed, ${counts.pending} skipped`;
    console.log(summary);
    const resultFile = process.env.RBRIDGE_TEST_RESULT;
    if (resultFile) fs.writeFileSync(resultFile, JSON.stringify({ ...counts, failures }, null, 2));
    if (counts.failed > 0) throw new Error(`${counts.failed} of ${counts.passed + counts.failed} tests failed`);
}
