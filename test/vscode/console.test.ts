import * as assert from 'assert';
import * as vscode from 'vscode';
import type { RBridgeApi } from '../../client/src/api';
import { consoleShows, executed, openR, readyR, running, selectLines, settled, waitForEvent, waitUntil } from './helpers';

/**
 * Types a line at the console's "> " (or "+ ") prompt: waits for the prompt
 * first, as a person would (a line typed while the previous one still runs
 * is typed ahead, and shows without a prompt, as in R).
 */
async function typeAtPrompt(r: RBridgeApi, line: string, prompt: RegExp = /(> |\+ )$/): Promise<void> {
    await consoleShows(r, prompt, `the console prompt ${prompt}`);
    r.console.type(line + '\r');
}

/** Shows the console (creating its terminal) and waits until it is there. */
async function showConsole(r: RBridgeApi): Promise<vscode.Terminal> {
    await vscode.commands.executeCommand('rbridge.showConsole');
    return waitUntil(() => r.console.terminal(), [vscode.window.onDidOpenTerminal], 'the R console');
}

suite('The R console', () => {
    suiteSetup(async () => {
        const r = await readyR();
        await showConsole(r);
    });

    test('is a terminal named R', async () => {
        const r = await readyR();
        const terminal = await showConsole(r);
        assert.strictEqual(terminal.name, 'R');
        assert.ok(vscode.window.terminals.includes(terminal));
    });

    test('runs what is typed, shows it after its prompt, with the output', async () => {
        const r = await readyR();
        const done = executed(r, (e) => e.request.origin === 'console' && e.request.code === 'typed_v <- 6 * 7', 'the typed line');
        await typeAtPrompt(r, 'typed_v <- 6 * 7');
        assert.strictEqual((await done).result.status, 'ok');
        await typeAtPrompt(r, 'typed_v');
        await consoleShows(r, /> typed_v <- 6 \* 7\n(.*\n)*> typed_v\n\[1\] 42\n/);
    });

    test('continues an incomplete expression with "+ " prompts', async () => {
        const r = await readyR();
        const first = executed(r, (e) => e.request.origin === 'console' && e.request.code === 'cont_f <- function() {', 'the first line');
        await typeAtPrompt(r, 'cont_f <- function() {');
        assert.strictEqual((await first).result.status, 'incomplete');
        const second = executed(r, (e) => e.request.origin === 'console' && /^cont_f <- function\(\) \{\n {2}"inner"$/.test(e.request.code), 'the second line');
        await typeAtPrompt(r, '  "inner"', /\+ $/);
        assert.strictEqual((await second).result.status, 'incomplete');
        const last = executed(r, (e) => e.request.origin === 'console' && e.request.code === 'cont_f <- function() {\n  "inner"\n}', 'the whole function');
        await typeAtPrompt(r, '}', /\+ $/);
        assert.strictEqual((await last).result.status, 'ok');
        await typeAtPrompt(r, 'cont_f()', /> $/);
        await consoleShows(r, /\+ }\n(.*\n)*\[1\] "inner"\n/);
    });

    test('text sent to the terminal reaches R (the real terminal path)', async () => {
        const r = await readyR();
        const terminal = await showConsole(r);
        const done = executed(r, (e) => e.request.origin === 'console' && e.request.code === 'sent_v <- 99', 'the line sent to the terminal');
        terminal.sendText('sent_v <- 99', true);
        assert.strictEqual((await done).result.status, 'ok');
    });

    test('Ctrl+C interrupts what runs', async () => {
        const r = await readyR();
        const done = executed(r, (e) => e.request.code === 'Sys.sleep(30)', 'the sleep to end');
        await typeAtPrompt(r, 'Sys.sleep(30)');
        await running(r, 'Sys.sleep(30)');
        r.console.type('\x03');
        assert.strictEqual((await done).result.status, 'interrupted');
    });

    test('readline() asks in the console and gets the typed answer', async () => {
        const r = await readyR();
        await showConsole(r);
        const asked = waitForEvent(r.onDidAskInput, (e) => e.prompt === 'Name? ', 'R to ask for a name');
        const result = r.execute('rl_name <- readline("Name? ")');
        assert.strictEqual((await asked).via, 'console');
        assert.ok(r.console.awaitingInput());
        await consoleShows(r, /Name\? $/);
        r.console.type('Ada\r');
        assert.strictEqual((await result).status, 'ok');
        await waitUntil(
            () => r.variablesTree.variables.find((v) => v.name === 'rl_name' && v.summary === '"Ada"'),
            [r.variablesTree.onDidChangeTreeData],
            'rl_name to be "Ada"',
        );
    });

    test('Ctrl+C at a readline() prompt interrupts the code that asked', async () => {
        const r = await readyR();
        await showConsole(r);
        const asked = waitForEvent(r.onDidAskInput, (e) => e.prompt === 'Pick: ', 'R to ask');
        const result = r.execute('rl_pick <- readline("Pick: ")');
        await asked;
        r.console.type('\x03');
        assert.strictEqual((await result).status, 'interrupted');
        assert.ok(!r.console.awaitingInput());
    });

    test('menu() takes its answer from the console too', async () => {
        const r = await readyR();
        await showConsole(r);
        const asked = waitForEvent(r.onDidAskInput, (e) => /Selection: $/.test(e.prompt), 'menu() to ask');
        const result = r.execute('menu_choice <- menu(c("apples", "pears"), title = "Fruit?")');
        await asked;
        await consoleShows(r, /2: pears\n/);
        r.console.type('2\r');
        assert.strictEqual((await result).status, 'ok');
        await waitUntil(
            () => r.variablesTree.variables.find((v) => v.name === 'menu_choice' && v.summary === '2'),
            [r.variablesTree.onDidChangeTreeData],
            'menu_choice to be 2',
        );
    });

    test('R prints as wide as the console (its setDimensions), in colour: cli and tibble use ANSI', async () => {
        const r = await readyR();
        const terminal = await showConsole(r);
        // The console's own Pseudoterminal, told what VS Code tells it on a resize.
        const pty = (terminal.creationOptions as vscode.ExtensionTerminalOptions).pty;
        assert.ok(pty.setDimensions, 'the console follows its dimensions');
        await typeAtPrompt(r, 'cat("width before:", getOption("width"), "\\n")');
        const before = Number(/width before: (\d+)/.exec(await consoleShows(r, /width before: \d+/))![1]);
        try {
            pty.setDimensions({ columns: 127, rows: 30 });
            await typeAtPrompt(r, 'cat("width", getOption("width"), "colours", cli::num_ansi_colors(), "\\n")', /> $/);
            await consoleShows(r, /width 127 colours 256 \n/);
            await typeAtPrompt(r, 'cat("tibble in colour:", any(grepl("\\033[", capture.output(print(tibble::tibble(a = 1:2))), fixed = TRUE)), "\\n")', /> $/);
            await consoleShows(r, /tibble in colour: TRUE \n/);
        } finally {
            pty.setDimensions({ columns: before, rows: 30 });
            await settled(r);
        }
    });

    test('a run from an editor goes into the console history, one entry per run; answers to readline() do not', async () => {
        const r = await readyR();
        await showConsole(r);
        const editor = await openR('history.R', ['hist_a <- 1', 'hist_b <- hist_a + 1']);
        selectLines(editor, 0, 1);
        const ran = executed(r, (e) => e.request.origin === 'editor' && e.request.code === 'hist_a <- 1\nhist_b <- hist_a + 1', 'the editor run');
        await vscode.commands.executeCommand('rbridge.runSelection');
        assert.strictEqual((await ran).result.status, 'ok');
        const asked = waitForEvent(r.onDidAskInput, (e) => e.prompt === 'Secret? ', 'R to ask');
        const answered = r.execute('hist_secret <- readline("Secret? ")');
        await asked;
        await consoleShows(r, /Secret\? $/);
        r.console.type('not-in-history\r');
        assert.strictEqual((await answered).status, 'ok');
        await consoleShows(r, /> $/);
        r.console.type('\x1b[A');
        await consoleShows(r, /> hist_a <- 1\n\+ hist_b <- hist_a \+ 1$/, 'Up to bring back the whole run, not the answer');
        // Enter runs it again, as one execution.
        const again = executed(r, (e) => e.request.origin === 'console' && e.request.code === 'hist_a <- 1\nhist_b <- hist_a + 1', 'the recalled run');
        r.console.type('\r');
        assert.strictEqual((await again).result.status, 'ok');
    });

    test('says "waiting for input" in the status bar and the console\'s name while R waits for an answer', async () => {
        const r = await readyR();
        const terminal = await showConsole(r);
        const asked = waitForEvent(r.onDidAskInput, (e) => e.prompt === 'Wait? ', 'R to ask');
        const result = r.execute('wait_answer <- readline("Wait? ")');
        await asked;
        const view = await waitUntil(
            () => (/waiting for input/.test(r.status().view.text) ? r.status().view : undefined),
            [r.onDidChangePending],
            'the status bar to say "waiting for input"',
        );
        assert.doesNotMatch(view.text, /busy/);
        assert.match(view.tooltip, /waiting for input/);
        // No event tells of a terminal's new name: look until it shows.
        const deadline = Date.now() + 10_000;
        while (terminal.name !== 'R: waiting for input' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
        assert.strictEqual(terminal.name, 'R: waiting for input');
        r.console.type('yes\r');
        assert.strictEqual((await result).status, 'ok');
        assert.doesNotMatch(r.status().view.text, /waiting for input/);
        const nameNow = (): string => terminal.name;
        const back = Date.now() + 10_000;
        while (nameNow() !== 'R' && Date.now() < back) await new Promise((resolve) => setTimeout(resolve, 100));
        assert.strictEqual(nameNow(), 'R');
    });

    test('with the console closed, readline() asks in an input box; dismissing it interrupts', async () => {
        const r = await readyR();
        const terminal = await showConsole(r);
        const closed = waitForEvent(vscode.window.onDidCloseTerminal, (t) => t === terminal, 'the console to close');
        terminal.dispose();
        await closed;
        assert.ok(!r.console.exists());
        const asked = waitForEvent(r.onDidAskInput, (e) => e.prompt === 'Q? ', 'R to ask');
        let answered = false;
        const result = r.execute('rl_box <- readline("Q? ")').then((res) => {
            answered = true;
            return res;
        });
        assert.strictEqual((await asked).via, 'inputBox');
        // The input box opens in the window a moment after the request, and
        // no event says when it is open: close it as Escape would, again
        // every 300 ms (or at once when R has its answer), until R has its
        // answer or the deadline passes.
        const deadline = Date.now() + 20_000;
        while (!answered && Date.now() < deadline) {
            await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
            await Promise.race([result, new Promise((resolve) => setTimeout(resolve, 300))]);
        }
        assert.ok(answered, 'R got no answer within 20 s of closing the input box again and again');
        assert.strictEqual((await result).status, 'interrupted');
        // The console comes back on demand, with what it showed before.
        await showConsole(r);
        assert.match(r.console.text(), /rl_pick|Interrupted/);
    });
});
