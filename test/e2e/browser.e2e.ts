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
import { ProbeConnection, ProbeEvent, ROOT, Session, Workbench, normalize, readManifest, workbenchSuite } from './harness';

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
/** Code the console must echo exactly as written: several expressions on a line, a comment, characters beyond ASCII, a parse error. */
const ECHO_FILE = ['`日本` <- 3; xé <- "é"; `日本` # a comment', 'xé; stop("boom")', 'bad <- )', ''].join('\n');
/** Environments changed in place: by `$<-`, and by an R6 object's own method. */
const ENV_FILE = [
    'ev <- new.env(); ev$v <- 1',
    'ev$v <- 99',
    'ev$v <- 100',
    'Counter <- R6::R6Class("Counter", public = list(n = 0, add = function() { self$n <- self$n + 1; invisible(self) }))',
    'cnt <- Counter$new()',
    'cnt$add()',
    'cnt$add()',
    '',
].join('\n');
/** A long run whose first line is a long comment that ends in "...". */
const LONG_FILE = ['# Fit the model on every bootstrap sample and keep the coefficients ...', 'Sys.sleep(5)', 'cat("long run done\\n")', ''].join('\n');

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
            workspaceFiles: { 'sleep.R': SLEEP_FILE, 'warn.R': WARN_FILE, 'echo.R': ECHO_FILE, 'env.R': ENV_FILE, 'keys.R': '', 'long.R': LONG_FILE },
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
        // Ctrl+Shift+M inserts the pipe in an R editor (as in RStudio): the palette opens the view.
        await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
        const problems = await wb.waitFor(
            async () => (await session.page.locator('.markers-panel .monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')),
            (rows) => rows.some((row) => /Warning: NAs introduced by coercion/.test(row)),
            'the warning in the Problems view',
        );
        session.log.write('test', `problems: ${JSON.stringify(problems)}`);
        assert.ok(!problems.some((row) => /Error/.test(row)), 'a warning, not an error');
        await shot('warning-diagnostic');
    });

    /** The console's rows as text, without the empty rows below the prompt. */
    const consoleRows = async () => (await wb.terminalText()).replace(/\s+$/, '').split('\n');
    /** The console's last non-empty row. */
    const lastRow = async () => (await consoleRows()).pop() ?? '';

    /** Shows the R console and waits until it has the keyboard (xterm marks itself focused). */
    async function focusConsole(): Promise<void> {
        await wb.runCommand(commandTitle(/showConsole/));
        await session.page.locator('.part.panel .terminal-wrapper.active .xterm.focus').waitFor({ timeout: 10_000 });
    }

    /** Types a line in the R console once it shows its prompt, then Enter. */
    async function typeInConsole(line: string): Promise<void> {
        await wb.waitFor(lastRow, (row) => /^> ?$/.test(row), 'the console prompt "> "');
        await session.page.locator('.part.panel .terminal-wrapper.active .xterm.focus').waitFor({ timeout: 10_000 });
        await session.page.keyboard.type(line);
        await session.page.keyboard.press('Enter');
    }

    it('prints as wide as the console and in colour (cli, tibble)', async () => {
        await focusConsole();
        // A line of 400 y wraps at the console's last column: its full rows are the console's width.
        await typeInConsole('cat(strrep("y", 400), "\\n", sep = "")');
        const rows = await wb.waitFor(consoleRows, (r) => r.filter((row) => /^y+$/.test(row)).length >= 2, 'the wrapped line of y');
        const columns = Math.max(...rows.filter((row) => /^y+$/.test(row)).map((row) => row.length));
        session.log.write('test', `console columns: ${columns}`);
        await typeInConsole('cat("width", getOption("width"), "colours", cli::num_ansi_colors(), "\\n")');
        const said = await wb.waitFor(() => wb.terminalText(), (t) => /width \d+ colours \d+/.test(t), 'R to say its width and colours');
        const [, width, colours] = /width (\d+) colours (\d+)/.exec(said)!;
        assert.strictEqual(Number(width), columns, `R's width is ${width} in a console of ${columns} columns`);
        assert.ok(Number(colours) > 1, `cli sees ${colours} colours`);
        await typeInConsole('tibble::tibble(x = 1:3, y = c("a", "b", "c"))');
        const header = session.page.locator('.part.panel .terminal-wrapper.active .xterm-rows span', { hasText: 'A tibble' }).first();
        await header.waitFor({ timeout: 20_000 });
        const look = `${(await header.getAttribute('class')) ?? ''} ${(await header.getAttribute('style')) ?? ''}`;
        session.log.write('test', `tibble header: ${look}`);
        assert.match(look, /xterm-fg-\d+|color/, 'the tibble header is drawn in a colour of its own');
        await shot('console-width-colours');
    });

    it('echoes code run from an editor exactly as written, parse errors included', async () => {
        await wb.openFile('echo.R');
        await wb.goToLine(1);
        // Line by line, each after the output of the one before.
        for (const output of [/\[1\] 3\n/, /Error: boom/, /unexpected/]) {
            await session.page.keyboard.press('Control+Enter');
            await wb.waitFor(() => wb.terminalText(), (t) => output.test(t), `${output} in the console`, 30_000);
        }
        const text = await wb.waitFor(
            () => wb.terminalText(),
            (t) => /> bad <- \)\n[^>]*Error[^\n]*unexpected/.test(t),
            'the parse error after its code',
            30_000,
        );
        session.log.write('test', `console:\n${text}`);
        assert.match(text, /> `日本` <- 3; xé <- "é"; `日本` # a comment\n\[1\] 3\n/, 'one prompt for the line, all of it, comment included');
        assert.match(text, /> xé; stop\("boom"\)\n\[1\] "é"\nError: boom/, 'the line as written, then its value and its error');
        assert.ok(!text.includes('\ufffd'), 'no broken character');
        await shot('echo-as-written');
    });

    it('keeps code in the console history, not the answer to readline(), and says "waiting for input" meanwhile', async () => {
        await focusConsole();
        await typeInConsole('pw <- readline("Password: ")');
        await wb.waitFor(lastRow, (row) => /^Password: ?$/.test(row), 'R to ask for the password');
        await wb.waitFor(() => wb.statusBar(), (items) => items.some((i) => /R: waiting for input/.test(i)), '"R: waiting for input" in the status bar');
        await shot('waiting-for-input');
        await session.page.keyboard.type('hunter2');
        await session.page.keyboard.press('Enter');
        await wb.waitFor(lastRow, (row) => /^> ?$/.test(row), 'the prompt after the answer');
        await wb.waitFor(() => wb.statusBar(), (items) => !items.some((i) => /waiting for input/.test(i)), 'the status bar to stop waiting');
        // Up: the code that asked, not the password; Up again: the last run from the editor.
        await session.page.keyboard.press('ArrowUp');
        await wb.waitFor(lastRow, (row) => row === '> pw <- readline("Password: ")', 'Up to bring back the code');
        await session.page.keyboard.press('ArrowUp');
        await wb.waitFor(lastRow, (row) => row === '> bad <- )', 'Up again to bring back the last run from the editor');
        await shot('history-up');
        assert.ok(!(await wb.terminalText()).includes('> hunter2'), 'the password is not recalled');
        await session.page.keyboard.press('Control+C');
    });

    // --- The variables view follows environments; RStudio's keys; the transcript; status and progress texts; settings.

    /** A row of the variables view, by its name. */
    const variableRow = (name: string) =>
        session.page
            .locator(`.part.sidebar .pane:has(.pane-header:has-text("${variablesView().name}")) .monaco-list-row`, {
                has: session.page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/[.$]/g, '\\$&')}$`) }),
            })
            .first();
    const variableRows = () => wb.treeRows(variablesView().name);

    /** Expands or collapses a row of the variables view with a click, as often as it takes (a click while the tree redraws can be lost). */
    async function toggleVariable(name: string, expanded: boolean): Promise<void> {
        const row = variableRow(name);
        const state = async () => (await row.getAttribute('aria-expanded', { timeout: 5_000 }).catch(() => null)) === 'true';
        for (let attempt = 0; attempt < 5 && (await state()) !== expanded; attempt++) {
            await row.click();
            await wb.waitFor(state, (now) => now === expanded, `${name} ${expanded ? 'expanded' : 'collapsed'}`, 3_000).catch(() => undefined);
        }
        assert.strictEqual(await state(), expanded, `${name} is not ${expanded ? 'expanded' : 'collapsed'}`);
    }

    /** Clicks a button of the notification whose message matches. */
    async function clickNotificationButton(message: RegExp, label: string): Promise<void> {
        const toast = session.page.locator('.notifications-toasts .notification-list-item', { hasText: message }).first();
        await toast.waitFor({ state: 'visible', timeout: 30_000 });
        await toast.locator('.monaco-button', { hasText: label }).first().click();
    }

    it('shows an environment and an R6 object changed in place, also after collapse and expand', async () => {
        await wb.openFile('env.R');
        await wb.goToLine(1);
        await session.page.keyboard.press('Control+Enter');
        const view = variablesView();
        await wb.runCommand(`${view.container}: Focus on ${view.name} View`);
        await wb.waitFor(variableRows, (rows) => rows.some((row) => /^ev environment/.test(row)), 'ev in the variables view');
        await toggleVariable('ev', true);
        await wb.waitFor(variableRows, (rows) => rows.some((row) => /^v numeric .* 1$/.test(row)), 'v = 1 under ev');
        // ev$v <- 99 assigns no variable of the global environment: the view still follows.
        await session.page.keyboard.press('Control+1');
        await session.page.keyboard.press('Control+Enter');
        await wb.waitFor(variableRows, (rows) => rows.some((row) => /^v numeric .* 99$/.test(row)), 'v = 99 under ev');
        // Collapsed while it changes, expanded again: the new value.
        await toggleVariable('ev', false);
        await session.page.keyboard.press('Control+1');
        await session.page.keyboard.press('Control+Enter');
        await wb.waitFor(() => wb.terminalText(), (t) => t.includes('> ev$v <- 100'), 'ev$v <- 100 to run');
        await toggleVariable('ev', true);
        await wb.waitFor(variableRows, (rows) => rows.some((row) => /^v numeric .* 100$/.test(row)), 'v = 100 under ev, expanded again');
        // An R6 counter: its method changes n.
        await session.page.keyboard.press('Control+1');
        await session.page.keyboard.press('Control+Enter');
        await session.page.keyboard.press('Control+Enter');
        await wb.waitFor(variableRows, (rows) => rows.some((row) => /^cnt Counter/.test(row)), 'cnt in the variables view');
        await toggleVariable('cnt', true);
        await wb.waitFor(variableRows, (rows) => rows.some((row) => /^n numeric .* 0$/.test(row)), 'n = 0 under cnt');
        await session.page.keyboard.press('Control+1');
        await session.page.keyboard.press('Control+Enter');
        await session.page.keyboard.press('Control+Enter');
        const rows = await wb.waitFor(variableRows, (r) => r.some((row) => /^n numeric .* 2$/.test(row)), 'n = 2 under cnt after cnt$add() twice');
        session.log.write('test', `variables: ${JSON.stringify(rows)}`);
        await shot('variables-environments');
    });

    it("types RStudio's Alt+- and Ctrl+Shift+M in an R editor and the console, and runs the file with Ctrl+Shift+Enter", async () => {
        await wb.openFile('keys.R');
        await session.page.keyboard.type('kx');
        await session.page.keyboard.press('Alt+Minus');
        await session.page.keyboard.type('5');
        await session.page.keyboard.press('Enter');
        await session.page.keyboard.type('mtcars');
        await session.page.keyboard.press('Control+Shift+M');
        await session.page.keyboard.type('head(2)');
        await wb.waitFor(() => wb.editorText(), (t) => t === 'kx <- 5\nmtcars |> head(2)', 'the operators typed in the editor');
        await session.page.keyboard.press('Control+Shift+Enter');
        await wb.waitFor(() => wb.terminalText(), (t) => /> kx <- 5\n> mtcars \|> head\(2\)\n(.*\n)*Mazda RX4 Wag/.test(t), 'the whole file run, with echo', 30_000);
        await shot('rstudio-keys-editor');
        // The console takes the same keys.
        await wb.runCommand(commandTitle(/showConsole/));
        // The palette's focus may come back to the editor after the command: the focus goes to the console for sure.
        await probe.request('executeCommand', { name: 'workbench.action.terminal.focus' });
        await session.page.locator('.part.panel .terminal-wrapper.active .xterm.focus').waitFor({ timeout: 10_000 });
        await wb.waitFor(lastRow, (row) => /^> ?$/.test(row), 'the console prompt');
        await session.page.keyboard.type('ky');
        await session.page.keyboard.press('Alt+Minus');
        await session.page.keyboard.type('3');
        await session.page.keyboard.press('Enter');
        await wb.waitFor(() => wb.terminalText(), (t) => /> ky <- 3\n> $/m.test(t.replace(/\s+$/, ' ')), 'the prompt after ky <- 3');
        await session.page.keyboard.type('ky');
        await session.page.keyboard.press('Control+Shift+M');
        await session.page.keyboard.type('print()');
        await session.page.keyboard.press('Enter');
        await wb.waitFor(() => wb.terminalText(), (t) => /> ky <- 3\n(.*\n)*> ky \|> print\(\)\n\[1\] 3\n/.test(t), 'the operators typed in the console');
        await shot('rstudio-keys-console');
        // VS Code says once that some keys go to it rather than to the terminal (these do): the note goes.
        const note = session.page.locator('.notifications-toasts .notification-list-item', { hasText: /keybindings don't go to the terminal/ });
        if (await note.isVisible().catch(() => false)) {
            await note.hover();
            await note.locator('.codicon-notifications-clear').first().click().catch(() => undefined);
        }
        // Save, so that the editor is not left dirty.
        await wb.openFile('keys.R');
        await session.page.keyboard.press('Control+S');
    });

    it('opens the console transcript read-only: it follows the console and closes without asking to save', async () => {
        await wb.runCommand(commandTitle(/openTranscript/));
        const tab = session.page.locator('.tabs-container .tab.active', { hasText: 'R Console Transcript' });
        await tab.waitFor({ timeout: 15_000 });
        await wb.waitFor(() => wb.editorText(), (t) => /ky \|> print\(\)/.test(t), 'the console text in the transcript');
        await session.page.keyboard.type('typed here');
        await shot('transcript-read-only');
        assert.ok(!(await wb.editorText()).includes('typed here'), 'the transcript cannot be typed in');
        assert.strictEqual(await session.page.locator('.tabs-container .tab.active.dirty').count(), 0, 'the transcript is not dirty');
        // New output appears in it.
        await probe.request('call', { name: 'execute', args: ['cat("transcript follows\\n")'] });
        await wb.waitFor(() => wb.editorText(), (t) => t.includes('transcript follows'), 'the new output in the transcript');
        await session.page.keyboard.press('Control+W');
        await tab.waitFor({ state: 'detached', timeout: 10_000 });
        assert.strictEqual(await session.page.locator('.monaco-dialog-box').count(), 0, 'no question whether to save it');
        await shot('transcript-closed');
    });

    it('a long run: one ellipsis in the notification, and status bar names without icon ids', async () => {
        const names = async () =>
            session.page.locator('.part.statusbar .statusbar-item').evaluateAll((items) => items.map((item) => item.getAttribute('aria-label') ?? ''));
        const idle = await wb.waitFor(names, (labels) => labels.includes('R: idle'), 'the accessible name "R: idle"');
        session.log.write('test', `status bar names: ${JSON.stringify(idle)}`);
        await wb.openFile('long.R');
        await session.page.keyboard.press('Control+Shift+Enter');
        const busy = await wb.waitFor(names, (labels) => labels.some((l) => /^R: busy/.test(l)), 'the accessible name "R: busy …"');
        const rLabels = busy.filter((l) => /^R\b|Interrupt R/.test(l));
        session.log.write('test', `status bar names while busy: ${JSON.stringify(rLabels)}`);
        assert.ok(!rLabels.some((l) => /\$\(|loading~spin|debug-stop|terminal/.test(l)), `icon ids in ${JSON.stringify(rLabels)}`);
        const running = await wb.waitFor(
            async () => (await wb.notifications()).find((n) => /running/.test(n)) ?? '',
            (n) => n !== '',
            'the long-run notification',
            15_000,
        );
        session.log.write('test', `long-run notification: ${running}`);
        // The toast fades in: its screenshot once it has.
        await session.page.locator('.notifications-toasts .notification-toast.notification-fade-in-done', { hasText: /running/ }).waitFor({ timeout: 5_000 }).catch(() => undefined);
        await shot('long-run-notification');
        assert.match(running, /running Sys\.sleep\(5\) …/, 'the code, not the comment before it');
        assert.strictEqual((running.match(/…|\.\.\./g) ?? []).length, 1, `one ellipsis in "${running}"`);
        await wb.waitFor(() => wb.terminalText(), (t) => t.includes('long run done'), 'the long run to end', 30_000);
    });

    it('R not found → Open Setting shows rbridge.rPath (on the Remote tab), and searching "rbridge" finds every setting', async () => {
        const manifest = readManifest() as { contributes?: { configuration?: { properties?: Record<string, unknown> } } };
        const settingsCount = Object.keys(manifest.contributes?.configuration?.properties ?? {}).filter((k) => k.startsWith('rbridge.')).length;
        // Set the R path as a user would: in the Settings editor, where it lives.
        await probe.request('executeCommand', { name: 'workbench.action.openRemoteSettings', args: [{ query: 'rbridge' }] });
        const toc = session.page.locator('.settings-editor .settings-toc-container .monaco-list-row', { hasText: 'R Bridge' }).first();
        const tocText = await wb.waitFor(async () => normalize((await toc.innerText().catch(() => '')) ?? ''), (t) => /\(\d+\)/.test(t), 'R Bridge in the settings TOC');
        await shot('settings-search-rbridge');
        assert.strictEqual(tocText.replace(/\s+/g, ' ').trim(), `R Bridge (${settingsCount})`, 'every setting is found by "rbridge"');
        await session.page.keyboard.press('Control+W');
        await probe.request('executeCommand', { name: 'workbench.action.openRemoteSettings', args: [{ query: 'rbridge.rPath' }] });
        const pathInput = session.page.locator('.settings-editor .setting-item-contents:has(.setting-item-label:text-is("R Path")) input').first();
        await pathInput.click();
        await session.page.keyboard.type('/nonexistent/bin/R');
        await session.page.keyboard.press('Tab');
        await clickNotificationButton(/R settings changed/, 'Restart R');
        await session.page.keyboard.press('Control+W');
        await clickNotificationButton(/R was not found/, 'Open Setting');
        const found = await wb.waitFor(
            async () => session.page.locator('.settings-editor .setting-item-contents .setting-item-label').allInnerTexts(),
            (labels) => labels.includes('R Path'),
            'the R Path setting in the Settings editor',
        );
        session.log.write('test', `settings shown: ${JSON.stringify(found)}`);
        const noneFound = session.page.locator('.settings-editor .no-results-message');
        assert.ok(!(await noneFound.isVisible().catch(() => false)), '"No Settings Found"');
        await shot('open-setting-rpath');
        // Clearing the setting starts R at once.
        await pathInput.click();
        await session.page.keyboard.press('Control+A');
        await session.page.keyboard.press('Backspace');
        await session.page.keyboard.press('Tab');
        await wb.waitFor(() => wb.statusBar(), (items) => items.some((i) => /R: idle/.test(i)), '"R: idle" again', 60_000);
        await session.page.keyboard.press('Control+W');
    });
});
