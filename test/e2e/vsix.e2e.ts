/**
 * The packaged extension: the VSIX that `npm run package` writes installs
 * into a fresh code-server offline (`--install-extension`), activates when an
 * R file is opened, starts R from its own copy of the server and kernel, and
 * runs `1+1` from the keyboard. Nothing here runs in development mode, so
 * this is what a user who installs the VSIX gets.
 *
 *   npm run package && npm run test:browser
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ProbeConnection, ROOT, Session, Workbench, extensionId, readManifest, workbenchSuite } from './harness';

/** The VSIX under test: RBRIDGE_E2E_VSIX, else the one `npm run package` writes for this version. */
function vsixPath(): string {
    if (process.env.RBRIDGE_E2E_VSIX) return path.resolve(ROOT, process.env.RBRIDGE_E2E_VSIX);
    const manifest = readManifest(ROOT);
    return path.join(ROOT, `${manifest.name}-${manifest.version}.vsix`);
}

describe('The VSIX in a fresh code-server', function () {
    this.timeout(120_000);
    let session: Session;
    let wb: Workbench;
    let probe: ProbeConnection;
    const shot = (n: number, name: string) => wb.screenshot(`vsix-${String(n).padStart(2, '0')}-${name}`);

    const suite = workbenchSuite('vsix', () => {
        const vsix = vsixPath();
        if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing; run: npm run package`);
        return {
            name: 'vsix',
            extension: { vsix },
            workspaceFiles: { 'one_plus_one.R': '1+1\n' },
        };
    });
    before(() => ({ session, wb, probe } = suite));

    it('is installed from the VSIX with its server and kernel, and not in development mode', async () => {
        const manifest = readManifest(ROOT);
        const installed = path.join(session.server.extensionsDir, `${extensionId()}-${manifest.version}`);
        for (const file of ['package.json', 'dist/extension.js', 'dist/server.js', 'dist/server-main.js', 'kernel/main.R', 'LICENSE.txt']) {
            assert.ok(fs.existsSync(path.join(installed, file)), `${file} is missing from the installed extension in ${installed}`);
        }
        // A package made before the last build would test yesterday's extension.
        for (const file of ['dist/extension.js', 'dist/server.js', 'dist/server-main.js']) {
            const current = path.join(ROOT, file);
            if (!fs.existsSync(current)) continue;
            assert.ok(
                fs.readFileSync(current).equals(fs.readFileSync(path.join(installed, file))),
                `${file} in the VSIX differs from the build; run: npm run package`,
            );
        }
        const info = await probe.request<{ found: boolean; isActive: boolean; path: string; version: string }>('extension');
        assert.ok(info.found, 'VS Code does not know the extension');
        assert.strictEqual(info.path, installed);
        assert.strictEqual(info.version, manifest.version);
        const title = await session.page.title();
        assert.doesNotMatch(title, /Extension Development Host/);
        // As a person would check: the Extensions view (Ctrl+Shift+X) lists it as installed.
        await session.page.keyboard.press('Control+Shift+X');
        await wb.waitFor(
            async () => (await session.page.locator('.extensions-viewlet .monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')),
            (rows) => rows.some((r) => r.includes(manifest.displayName ?? manifest.name)),
            'R Bridge among the installed extensions',
        );
        await shot(1, 'installed');
        await session.page.keyboard.press('Control+Shift+E');
    });

    it('activates when an R file is opened and starts R', async () => {
        await wb.openFile('one_plus_one.R');
        await wb.waitFor(
            () => probe.request<{ isActive: boolean }>('extension'),
            (info) => info.isActive,
            'the extension to activate on opening an R file',
            30_000,
        );
        await probe.request('activate');
        await wb.waitFor(() => wb.statusBar(), (items) => items.some((i) => /R: idle/.test(i)), '"R: idle" in the status bar', 60_000);
        await shot(2, 'activated');
    });

    it('runs 1+1 with Ctrl+Enter and shows [1] 2 in the R console', async () => {
        await wb.goToLine(1);
        const from = probe.events.length;
        await session.page.keyboard.press('Control+Enter');
        const executed = await probe.waitForEvent((e) => e.event === 'onDidExecute', 30_000, 'the execution of 1+1', from);
        const result = (executed.data as { result?: { status?: string } }).result;
        assert.strictEqual(result?.status, 'ok', `1+1 ended with ${JSON.stringify(executed.data)}`);
        await wb.waitFor(() => wb.terminalText(), (t) => /^\[1\] 2\s*$/m.test(t), '[1] 2 in the R console', 10_000);
        await shot(3, 'one-plus-one');
    });
});
