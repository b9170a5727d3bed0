/**
 * R Bridge in a real VS Code, driven as a person would: code-server with the
 * extension in development mode (or from a VSIX, with RBRIDGE_E2E_VSIX),
 * headless Chromium, the keyboard. Each step saves a screenshot under
 * .test-output/screenshots/ (browser-NN-*.png) so that a person can check
 * what the test saw.
 *
 * What the user sees is read from the DOM: the R console is a terminal drawn
 * by xterm's DOM renderer (the harness turns GPU acceleration off), and the
 * variables are rows of a tree view. The probe extension (see harness.ts)
 * adds what the screen cannot show exactly: when R became busy or idle.
 *
 *   npm run test:browser
 */
import * as assert from 'assert';
import * as path from 'path';
import { ProbeConnection, ProbeEvent, ROOT, Session, Workbench, readManifest, workbenchSuite } from './harness';

/** The probe forwards the API's events; these tell the session's state whatever the event is called. */
export function stateOf(event: ProbeEvent): string | undefined {
    const data = event.data as { kind?: unknown; state?: unknown } | null;
    if (!data || typeof data !== 'object') return typeof data === 'string' ? data : undefined;
    if (typeof data.kind === 'string') return data.kind;
    if (typeof data.state === 'string') return data.state;
    return undefined;
}

/** The view that lists R's variables, from the manifest: its name and the title of its container. */
export function variablesView(): { id: string; name: string; container: string } {
    const contributes = readManifest().contributes ?? {};
    for (const [containerId, views] of Object.entries(contributes.views ?? {})) {
        for (const view of views) {
            if (!/variable/i.test(view.name) && !/variable/i.test(view.id)) continue;
            const containers = Object.values(contributes.viewsContainers ?? {}).flat();
            const container = containers.find((c) => c.id === containerId);
            return { id: view.id, name: view.name, container: container?.title ?? containerId };
        }
    }
    throw new Error('the manifest contributes no variables view');
}

/** The title of a contributed command as the palette shows it ("R: Interrupt"). */
export function commandTitle(match: RegExp): string {
    const command = (readManifest().contributes?.commands ?? []).find((c) => match.test(c.command) || match.test(c.title));
    if (!command) throw new Error(`the manifest contributes no command matching ${match}`);
    return command.category ? `${command.category}: ${command.title}` : command.title;
}

const SLEEP_FILE = ['Sys.sleep(30)', 'cat("after the interrupt\\n")', ''].join('\n');
const WARN_FILE = ['w_ok <- 1', 'w_num <- as.numeric(c("1", "two"))', ''].join('\n');

describe('R Bridge in VS Code, driven from the keyboard', function () {
    this.timeout(120_000);
    let session: Session;
    let wb: Workbench;
    let probe: ProbeConnection;
    let step = 0;
    const shot = (name: string) => wb.screenshot(`browser-${String(++step).padStart(2, '0')}-${name}`);

    const suite = workbenchSuite('browser', () => {
        const vsix = process.env.RBRIDGE_E2E_VSIX;
        return {
            name: 'browser',
            extension: vsix ? { vsix: path.resolve(ROOT, vsix) } : undefined,
            workspaceFiles: { 'sleep.R': SLEEP_FILE, 'warn.R': WARN_FILE },
        };
    });
    before(() => ({ session, wb, probe } = suite));

    it('shows the workbench with the examples folder', async () => {
        await wb.waitFor(() => wb.treeRows(), (rows) => rows.some((r) => r.includes('analysis.R')), 'analysis.R in the explorer');
        await shot('workbench');
    });

    it('opens analysis.R with Ctrl+P', async () => {
        await wb.openFile('analysis.R');
        const text = await wb.editorText();
        assert.match(text, /mt <- mtcars/);
        // Opening an R file activates R Bridge and starts R; the probe
        // subscribes to its events from here on.
        const activation = await probe.request<{ events: string[] }>('activate', {}, 60_000);
        session.log.write('test', `API events: ${activation.events.join(', ')}`);
        await wb.waitFor(() => wb.statusBar(), (items) => items.some((i) => /R: idle/.test(i)), '"R: idle" in the status bar', 60_000);
        await shot('analysis-open');
    });

    it('runs three selected lines with Ctrl+Enter and shows the output in the R console', async () => {
        await wb.selectLines(4, 3);
        await shot('lines-selected');
        await session.page.keyboard.press('Control+Enter');
        const text = await wb.waitFor(
            () => wb.terminalText(),
            (t) => /Min\. +:10\.40/.test(t) && /Max\. +:33\.90/.test(t),
            'the summary of mtcars in the R console',
            60_000,
        );
        session.log.write('test', `console:\n${text}`);
        await shot('summary-output');
    });

    it('shows the new variable in the variables view', async () => {
        const view = variablesView();
        await wb.runCommand(`${view.container}: Focus on ${view.name} View`);
        const rows = await wb.waitFor(
            () => wb.treeRows(),
            (r) => r.some((row) => /^mt\b/.test(row)),
            `mt in the ${view.name} view`,
        );
        session.log.write('test', `variables: ${JSON.stringify(rows)}`);
        await shot('variables-mt');
    });

    it('runs the model lines and lists by_group and fit', async () => {
        await wb.openFile('analysis.R');
        await wb.selectLines(9, 7);
        await session.page.keyboard.press('Control+Enter');
        await wb.waitFor(() => wb.terminalText(), (t) => /\[1\] 0\.827/.test(t), 'the R squared 0.827 in the console', 60_000);
        const rows = await wb.waitFor(
            () => wb.treeRows(),
            (r) => ['by_group', 'fit', 'mt'].every((name) => r.some((row) => row.startsWith(name))),
            'by_group, fit and mt in the variables view',
        );
        session.log.write('test', `variables: ${JSON.stringify(rows)}`);
        await shot('model-and-variables');
    });

    it('interrupts Sys.sleep(30) with the Interrupt command from the command palette (F1)', async () => {
        await wb.openFile('sleep.R');
        await wb.goToLine(1);
        const from = probe.events.length;
        await session.page.keyboard.press('Control+Enter');
        const started = Date.now();
        await probe.waitForEvent((e) => stateOf(e) === 'busy', 20_000, 'R to be busy with Sys.sleep(30)', from);
        await wb.waitFor(() => wb.terminalText(), (t) => t.includes('> Sys.sleep(30)'), 'Sys.sleep(30) echoed in the console');
        await shot('sleeping');
        const busyAt = probe.events.length;
        await wb.runCommand(commandTitle(/interrupt/i));
        const idle = await probe.waitForEvent((e) => stateOf(e) === 'idle', 10_000, 'R to be idle after the interrupt', busyAt);
        const elapsed = Date.now() - started;
        session.log.write('test', `interrupt: idle ${elapsed} ms after Ctrl+Enter (event ${idle.event})`);
        assert.ok(elapsed < 15_000, `Sys.sleep(30) ended after ${elapsed} ms, so the interrupt did not cut it short`);
        // The console says so below the interrupted line.
        await wb.waitFor(() => wb.terminalText(), (t) => /> Sys\.sleep\(30\)\n[^>]*interrupt/i.test(t), 'the console to tell of the interrupt');
        await shot('interrupted');

        // R is usable at once afterwards, with the same session.
        await wb.goToLine(2);
        await session.page.keyboard.press('Control+Enter');
        await wb.waitFor(() => wb.terminalText(), (t) => t.includes('after the interrupt'), 'the next line to run', 10_000);
        await shot('after-interrupt');
    });

    it('marks the line whose run gave a warning, in the editor and in the Problems view', async () => {
        await wb.openFile('warn.R');
        await wb.goToLine(2);
        await session.page.keyboard.press('Control+Enter');
        await wb.waitFor(() => wb.terminalText(), (t) => /NAs introduced by coercion/.test(t), 'the warning in the console', 30_000);
        const squiggles = session.page.locator('.editor-group-container.active .monaco-editor .squiggly-warning');
        await wb.waitFor(() => squiggles.count(), (n) => n >= 1, 'a warning squiggle in the editor');
        await session.page.keyboard.press('Control+Shift+M');
        const problems = await wb.waitFor(
            async () => (await session.page.locator('.markers-panel .monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')),
            (rows) => rows.some((row) => /Warning: NAs introduced by coercion/.test(row)),
            'the warning in the Problems view',
        );
        session.log.write('test', `problems: ${JSON.stringify(problems)}`);
        assert.ok(!problems.some((row) => /Error/.test(row)), 'a warning, not an error');
        await shot('warning-diagnostic');
    });
});
