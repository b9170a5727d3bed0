import * as assert from 'assert';
import * as vscode from 'vscode';
import type { ExecuteResult } from '../../common/protocol';

/**
 * Waits until the editor's cursor is on `line`. The extension host learns
 * about selections the window applies a moment later, so a value read right
 * after a command can still be an older one.
 */
function cursorReaches(editor: vscode.TextEditor, line: number, what: string): Promise<true> {
    return waitUntil(() => (editor.selection.active.line === line ? true : undefined), [vscode.window.onDidChangeTextEditorSelection], what, 10_000);
}
import {
    consoleShows,
    cursorAt,
    openR,
    rOk,
    readyR,
    running,
    selectLines,
    settled,
    waitForEvent,
    waitUntil,
} from './helpers';

function run(command: string, ...args: unknown[]): Thenable<ExecuteResult | undefined> {
    return vscode.commands.executeCommand<ExecuteResult | undefined>(command, ...args);
}

suite('Running code from an editor', () => {
    suiteSetup(async () => {
        await readyR();
    });

    test('runs the selection, echoed in the console with its output', async () => {
        const r = await readyR();
        const editor = await openR('selection.R', ['sel_x <- 1:3', 'sum(sel_x) * 10']);
        selectLines(editor, 0, 1);
        const result = await run('rbridge.runSelection');
        assert.strictEqual(result?.status, 'ok');
        assert.strictEqual(r.lastResult()?.request.code, 'sel_x <- 1:3\nsum(sel_x) * 10');
        assert.strictEqual(r.lastResult()?.request.origin, 'editor');
        await consoleShows(r, /> sum\(sel_x\) \* 10\n\[1\] 60\n/);
        // A selection stays where it is.
        assert.strictEqual(editor.selection.start.line, 0);
    });

    test('without a selection runs the whole pipeline under the cursor and moves to the next expression', async () => {
        const r = await readyR();
        const editor = await openR('pipeline.R', [
            'pipe_df <- data.frame(a = 1:5)',
            'pipe_n <- pipe_df |>',
            '  subset(a > 2) |>',
            '  nrow()',
            '',
            '# a comment',
            'print(pipe_n)',
        ]);
        cursorAt(editor, 0);
        assert.strictEqual((await run('rbridge.runSelection'))?.status, 'ok');
        await cursorReaches(editor, 1, 'the cursor to move to line 1');
        cursorAt(editor, 2, 4);
        const first = await run('rbridge.runSelection');
        assert.strictEqual(first?.status, 'ok', first?.error?.message);
        assert.strictEqual(r.lastResult()?.request.code, 'pipe_n <- pipe_df |>\n  subset(a > 2) |>\n  nrow()');
        await cursorReaches(editor, 6, 'the cursor to move to the next expression, past blank and comment lines');
        // Pressing it again runs that one.
        const second = await run('rbridge.runSelection');
        assert.strictEqual(second?.status, 'ok');
        assert.strictEqual(r.lastResult()?.request.code, 'print(pipe_n)');
        await consoleShows(r, /\[1\] 3\n/);
    });

    test('a function definition over several lines runs as one, from any of its lines', async () => {
        const r = await readyR();
        const editor = await openR('function.R', ['fn_twice <- function(x) {', '  y <- x * 2', '  y', '}', 'fn_twice(21)']);
        cursorAt(editor, 1);
        assert.strictEqual((await run('rbridge.runSelection'))?.status, 'ok');
        assert.strictEqual(r.lastResult()?.request.code, 'fn_twice <- function(x) {\n  y <- x * 2\n  y\n}');
        await cursorReaches(editor, 4, 'the cursor to move past the function');
        await run('rbridge.runSelection');
        await consoleShows(r, /\[1\] 42\n/);
    });

    test('runs the whole file, from the top to the line, and from the line to the end', async () => {
        const r = await readyR();
        const lines = ['part_a <- 1', 'part_f <- function() {', '  2', '}', 'part_b <- part_a + part_f()'];
        const editor = await openR('parts.R', lines);
        assert.strictEqual((await run('rbridge.runFile'))?.status, 'ok');
        assert.strictEqual(r.lastResult()?.request.code, lines.join('\n') + '\n');
        cursorAt(editor, 2);
        await run('rbridge.runFromTop');
        assert.strictEqual(r.lastResult()?.request.code, lines.slice(0, 4).join('\n'), 'up to the end of the expression under the cursor');
        cursorAt(editor, 2);
        await run('rbridge.runToEnd');
        assert.strictEqual(r.lastResult()?.request.code, lines.slice(1).join('\n') + '\n', 'from the start of the expression under the cursor');
    });

    test('several runs queue up and run in order; the status bar counts the queue', async () => {
        const r = await readyR();
        const lines = ['Sys.sleep(1.5)', 'queue_1 <- 1', 'queue_2 <- 2'];
        const editor = await openR('queue.R', lines);
        const order: string[] = [];
        const subscription = r.onDidExecute((record) => order.push(record.request.code));
        try {
            for (let i = 0; i < lines.length; i++) {
                selectLines(editor, i, i);
                void run('rbridge.runSelection');
                await waitUntil(() => (r.pending().some((p) => p.request.code === lines[i]) ? true : undefined), [r.onDidChangePending], `run ${i} to be sent`);
            }
            await waitUntil(
                () => (/busy .*· 2 queued/.test(r.status().view.text) ? true : undefined),
                [r.onDidChangePending, r.onDidChangeState],
                'the status bar to show 2 queued',
            );
            await settled(r);
        } finally {
            subscription.dispose();
        }
        assert.deepStrictEqual(order, lines);
        assert.match(r.status().view.text, /R: idle/);
    });

    test('Clear Queue cancels the queued runs and leaves the running one; Interrupt stops that', async () => {
        const r = await readyR();
        const long = r.execute('Sys.sleep(30)');
        await running(r, 'Sys.sleep(30)');
        const queued = [r.execute('cq_1 <- 1'), r.execute('cq_2 <- 2')];
        await waitUntil(
            () => (r.pending().filter((p) => p.state === 'queued').length === 2 ? true : undefined),
            [r.onDidChangePending],
            'two queued executions',
        );
        const cancelled = await vscode.commands.executeCommand<number>('rbridge.clearQueue');
        assert.strictEqual(cancelled, 2);
        assert.deepStrictEqual((await Promise.all(queued)).map((q) => q.status), ['cancelled', 'cancelled']);
        assert.ok(r.pending().some((p) => p.request.code === 'Sys.sleep(30)' && p.state === 'running'), 'the running one goes on');
        await vscode.commands.executeCommand('rbridge.interrupt');
        const result = await long;
        assert.strictEqual(result.status, 'interrupted');
        await consoleShows(r, /Interrupted\.\n/);
    });

    test('Interrupt with nothing running says so', async () => {
        const r = await readyR();
        await settled(r);
        const notice = waitForEvent(r.notices.onDidNotify, (n) => /Nothing is running/.test(n.message), 'the "nothing is running" message');
        await vscode.commands.executeCommand('rbridge.interrupt');
        await notice;
    });

    test('a long run shows a cancellable progress after about 2 s; Cancel interrupts R', async () => {
        const r = await readyR();
        const shown = waitForEvent(r.progress.onDidChangeVisibility, (visible) => visible, 'the progress notification', 15_000);
        const started = Date.now();
        const result = r.execute('Sys.sleep(20)');
        await shown;
        const after = Date.now() - started;
        assert.ok(after >= 1500 && after < 10_000, `the progress appeared after ${after} ms`);
        assert.ok(r.status().progressVisible);
        r.progress.cancel();
        assert.strictEqual((await result).status, 'interrupted');
        await waitUntil(() => (r.status().progressVisible ? undefined : true), [r.progress.onDidChangeVisibility], 'the progress to go');
    });

    test('an error marks the failing line, the console links to it, and Go to Error jumps there', async () => {
        const r = await readyR();
        const editor = await openR('errors.R', ['err_a <- 1', 'err_f <- function() {', '  stop("boom")', '}', 'err_f()', 'err_b <- 2']);
        const uri = editor.document.uri;
        const result = await run('rbridge.runFile');
        assert.strictEqual(result?.status, 'error');
        assert.strictEqual(result?.error?.range?.start.line, 2, 'the line of stop() inside the function');
        const diagnostics = r.errors.diagnostics(uri);
        assert.strictEqual(diagnostics.length, 1);
        assert.strictEqual(diagnostics[0].range.start.line, 2);
        assert.strictEqual(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
        assert.match(diagnostics[0].message, /boom/);
        const text = await consoleShows(r, /at \S*errors\.R:3\n/);
        const line = text.split('\n').find((l) => /at \S*errors\.R:3/.test(l))!;
        assert.strictEqual(r.errors.linksIn(line).length, 1, 'the console line is a link');
        assert.ok(!r.variablesTree.variables.some((v) => v.name === 'err_b'), 'stopOnError: the rest did not run');

        // From another editor, Go to Error comes back to the line.
        await openR('elsewhere.R', ['x <- 1']);
        await vscode.commands.executeCommand('rbridge.goToError');
        const active = vscode.window.activeTextEditor!;
        assert.strictEqual(active.document.uri.toString(), uri.toString());
        await cursorReaches(active, 2, 'the cursor to be on the failing line');

        // A line inserted above moves the mark with its code; editing the
        // marked line removes it.
        await active.edit((edit) => edit.insert(new vscode.Position(0, 0), '# edited\n'));
        assert.deepStrictEqual(r.errors.diagnostics(uri).map((d) => d.range.start.line), [3]);
        await active.edit((edit) => edit.insert(new vscode.Position(3, 2), '# '));
        assert.strictEqual(r.errors.diagnostics(uri).length, 0);
    });

    test('a warning from an editor marks its line as a Warning, until the line is run again', async () => {
        const r = await readyR();
        await rOk(r, 'warn_input <- "not a number"');
        const editor = await openR('warnings.R', ['warn_a <- 1', 'warn_v <- as.numeric(warn_input)', 'warn_b <- 2']);
        const uri = editor.document.uri;
        cursorAt(editor, 1);
        assert.strictEqual((await run('rbridge.runSelection'))?.status, 'ok');
        const diagnostics = r.errors.diagnostics(uri);
        assert.strictEqual(diagnostics.length, 1, 'one diagnostic');
        assert.strictEqual(diagnostics[0].range.start.line, 1);
        assert.strictEqual(diagnostics[0].severity, vscode.DiagnosticSeverity.Warning);
        assert.match(diagnostics[0].message, /NAs introduced by coercion/);
        assert.strictEqual(diagnostics[0].source, 'R');
        // The same warning again on the same line stays one diagnostic.
        cursorAt(editor, 1);
        await run('rbridge.runSelection');
        assert.strictEqual(r.errors.diagnostics(uri).length, 1);

        // Run again without the warning: the mark goes.
        await rOk(r, 'warn_input <- "42"');
        cursorAt(editor, 1);
        assert.strictEqual((await run('rbridge.runSelection'))?.status, 'ok');
        assert.strictEqual(r.errors.diagnostics(uri).length, 0);
    });

    test('warnings and errors of a run each mark their own line; an error is one diagnostic; other lines keep theirs', async () => {
        const r = await readyR();
        const editor = await openR('conditions.R', [
            'cond_w <- as.integer("x")',
            'cond_ok <- 1',
            'cond_f <- function() warning("from inside")',
            'cond_f()',
            'stop("top-level failure")',
        ]);
        const uri = editor.document.uri;
        const result = await run('rbridge.runFile');
        assert.strictEqual(result?.status, 'error');
        const shown = r.errors
            .diagnostics(uri)
            .map((d) => [d.range.start.line, d.severity === vscode.DiagnosticSeverity.Error ? 'error' : 'warning', d.message])
            .sort((a, b) => (a[0] as number) - (b[0] as number));
        assert.deepStrictEqual(shown, [
            [0, 'warning', 'Warning: NAs introduced by coercion'],
            [3, 'warning', 'Warning in cond_f(): from inside'],
            [4, 'error', 'Error: top-level failure'],
        ]);
        // Running lines replaces only what was said about them.
        selectLines(editor, 1, 1);
        await run('rbridge.runSelection');
        assert.strictEqual(r.errors.diagnostics(uri).length, 3, 'running a line without conditions leaves the others');
        selectLines(editor, 3, 4);
        await run('rbridge.runSelection');
        assert.strictEqual(r.errors.diagnostics(uri).length, 3, 'the same conditions again: no duplicates');
        await editor.edit((edit) => edit.replace(new vscode.Range(4, 0, 4, editor.document.lineAt(4).text.length), 'cond_fixed <- TRUE'));
        assert.strictEqual(r.errors.diagnostics(uri).length, 2, 'the edited line lost its mark');
        // Clear Workspace clears them all.
        await vscode.commands.executeCommand('rbridge.clearWorkspace', { confirm: false });
        assert.strictEqual(r.errors.diagnostics(uri).length, 0);
    });

    test('code from the console or the variables view leaves the diagnostics alone', async () => {
        const r = await readyR();
        const editor = await openR('console-warning.R', ['cw_warn <- as.numeric("z")']);
        cursorAt(editor, 0);
        await run('rbridge.runSelection');
        assert.strictEqual(r.errors.diagnostics(editor.document.uri).length, 1);
        await rOk(r, 'as.numeric("q")');
        assert.strictEqual(r.errors.diagnostics(editor.document.uri).length, 1);
    });

    test('an error R could not print itself still shows in the console', async () => {
        const r = await readyR();
        // The server refuses code with a NUL character without asking R.
        const result = await r.execute('x <- 1\u0000');
        assert.strictEqual(result.status, 'parseError');
        await consoleShows(r, /Error: the code contains a NUL character/);
    });

    test('an incomplete selection says so in the console', async () => {
        const r = await readyR();
        const editor = await openR('incomplete.R', ['mean(c(1, 2)']);
        selectLines(editor, 0, 0);
        const result = await run('rbridge.runSelection');
        assert.strictEqual(result?.status, 'incomplete');
        await consoleShows(r, /incomplete expression/);
    });

    test('a million lines of output neither freeze the extension host nor flood the console', async () => {
        const r = await readyR();
        let last = Date.now();
        let worstGap = 0;
        const ticker = setInterval(() => {
            const now = Date.now();
            worstGap = Math.max(worstGap, now - last);
            last = now;
        }, 20);
        const started = Date.now();
        try {
            const result = await r.execute('cat(sprintf("line %d\\n", 1:1e6), sep = "")');
            assert.strictEqual(result.status, 'ok');
            r.console.flush();
        } finally {
            clearInterval(ticker);
        }
        const elapsed = Date.now() - started;
        const text = await consoleShows(r, /line 1000000\n/);
        assert.match(text, /lines of output not shown/);
        assert.ok(text.length < 2 * 1024 * 1024, `the console keeps ${text.length} characters`);
        assert.ok(worstGap < 1500, `the extension host stalled for ${worstGap} ms (the run took ${elapsed} ms)`);
        console.log(`    1e6 lines: ${elapsed} ms, worst event-loop gap ${worstGap} ms`);
    });

    test('the echo follows rbridge.echoCode', async () => {
        const r = await readyR();
        const config = vscode.workspace.getConfiguration('rbridge');
        await config.update('echoCode', false, vscode.ConfigurationTarget.Global);
        try {
            const editor = await openR('echo.R', ['echo_off <- "quiet"']);
            cursorAt(editor, 0);
            await run('rbridge.runSelection');
            assert.strictEqual(r.lastResult()?.request.echo, false);
        } finally {
            await config.update('echoCode', undefined, vscode.ConfigurationTarget.Global);
        }
        assert.strictEqual(vscode.workspace.getConfiguration('rbridge').get('echoCode'), true);
    });
});
