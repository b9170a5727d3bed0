/**
 * Runs the same extension-host suite as runVSCodeTests.ts, but in the desktop
 * VS Code (Electron) that @vscode/test-electron downloads: for machines that
 * can reach update.code.visualstudio.com. It is not part of `npm test` here
 * (these machines cannot download VS Code); see test/e2e/README.md.
 *
 *   node out/e2e/runElectron.js [--version 1.100.3] [--trust]
 *
 * The result file channel is the same as under code-server, so the suite
 * needs no change; on the desktop the exit code of VS Code itself carries
 * the result as well.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';
import { ROOT, SUITE_ENTRY, stopSessions } from './harness';
import type { SuiteResult } from './runVSCodeTests';

async function main(): Promise<number> {
    const argv = process.argv.slice(2);
    const versionAt = argv.indexOf('--version');
    const version = versionAt >= 0 ? argv[versionAt + 1] : '1.100.3';
    const trust = argv.includes('--trust');
    if (!fs.existsSync(SUITE_ENTRY)) {
        process.stderr.write(`runElectron: ${SUITE_ENTRY} is missing; run: npm run build:tests\n`);
        return 2;
    }
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-electron-'));
    const workspace = path.join(runDir, 'workspace');
    fs.cpSync(path.join(ROOT, 'examples'), workspace, { recursive: true });
    const resultFile = path.join(runDir, 'result.json');
    // The suite's detached R sessions register here and are stopped at the end (they outlive VS Code by design).
    const runtimeDir = path.join(runDir, 'rt');
    fs.mkdirSync(runtimeDir, { mode: 0o700 });
    try {
        const code = await runTests({
            version,
            extensionDevelopmentPath: ROOT,
            extensionTestsPath: SUITE_ENTRY,
            extensionTestsEnv: { RBRIDGE_TEST_RESULT: resultFile, RBRIDGE_RUNTIME_DIR: runtimeDir },
            launchArgs: [
                workspace,
                '--user-data-dir', path.join(runDir, 'user-data'),
                '--extensions-dir', path.join(runDir, 'extensions'),
                '--disable-extensions',
                ...(trust ? [] : ['--disable-workspace-trust']),
            ],
        });
        const result = fs.existsSync(resultFile) ? (JSON.parse(fs.readFileSync(resultFile, 'utf8')) as SuiteResult) : undefined;
        const counts = result ? `${result.passed} passed, ${result.failed} failed, ${result.pending ?? 0} skipped` : 'no result file';
        process.stdout.write(`VS Code suite (desktop ${version}): ${counts}, exit code ${code}\n`);
        return code === 0 && result && result.failed === 0 && result.passed > 0 ? 0 : 1;
    } catch (error) {
        process.stderr.write(`runElectron: ${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
    } finally {
        await stopSessions(runtimeDir);
        fs.rmSync(runDir, { recursive: true, force: true });
    }
}

void main().then((code) => process.exit(code));
