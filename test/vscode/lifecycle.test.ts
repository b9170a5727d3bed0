import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RBridgeApi } from '../../client/src/api';
import type { DeadState, SessionState } from '../../client/src/session';
import { consoleShows, cursorAt, openR, rOk, readyR, rbridge, running, scratchDir, waitForEvent, waitUntil } from './helpers';

function stateIs(r: RBridgeApi, accept: (s: SessionState) => boolean, what: string, ms = 60_000): Promise<SessionState> {
    return waitUntil(() => (accept(r.state()) ? r.state() : undefined), [r.onDidChangeState], what, ms);
}

/** Waits for R to die; returns the dead state with its facts. */
function death(r: RBridgeApi, what = 'R to die'): Promise<DeadState> {
    return stateIs(r, (s) => s.kind === 'dead', what) as Promise<DeadState>;
}

/** Collects the notifications shown from now on. */
function collectNotices(r: RBridgeApi): { notices: { severity: string; message: string; actions: string[] }[]; stop(): void } {
    const notices: { severity: string; message: string; actions: string[] }[] = [];
    const subscription = r.notices.onDidNotify((n) => notices.push(n));
    return { notices, stop: () => subscription.dispose() };
}

async function setting(name: string, value: unknown): Promise<void> {
    await vscode.workspace.getConfiguration('rbridge').update(name, value, vscode.ConfigurationTarget.Global);
}

/** Whether a variable of this name is in R's global environment (asked from R, not the view). */
async function rHas(r: RBridgeApi, name: string): Promise<boolean> {
    const result = await r.execute(`if (!exists(${JSON.stringify(name)}, envir = globalenv(), inherits = FALSE)) stop("absent")`);
    return result.status === 'ok';
}

/** The parent process of a process (Linux). */
function parentOf(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

suite('Restart, death, R not found, workspace trust', () => {
    suiteTeardown(async () => {
        const r = await rbridge();
        r.testing.overrideTrust(undefined);
        await setting('rPath', undefined);
        await setting('rArgs', undefined);
        await setting('workingDirectory', undefined);
        await r.kernelReady().catch(() => vscode.commands.executeCommand('rbridge.restart'));
    });

    test('Restart R gives a fresh R, an empty variables view and no diagnostics', async () => {
        const r = await readyR();
        await rOk(r, 'before_restart <- 1');
        const editor = await openR('restart-warning.R', ['restart_w <- as.numeric("not a number")']);
        cursorAt(editor, 0);
        assert.strictEqual((await vscode.commands.executeCommand<{ status: string }>('rbridge.runSelection'))?.status, 'ok');
        assert.strictEqual(r.errors.diagnostics(editor.document.uri).length, 1, 'the warning is marked');
        await waitUntil(() => r.variablesTree.rootNode('before_restart'), [r.variablesTree.onDidChangeTreeData], 'the variable');
        const pidBefore = (r.state() as { pid?: number }).pid;
        const restarting = stateIs(r, (s) => s.kind === 'restarting', 'R to restart');
        await vscode.commands.executeCommand('rbridge.restart');
        await restarting.catch(() => undefined);
        await r.kernelReady();
        const state = r.state() as { pid?: number };
        assert.notStrictEqual(state.pid, pidBefore, 'a new R process');
        assert.strictEqual(r.variablesTree.rootNode('before_restart'), undefined);
        assert.strictEqual(await rHas(r, 'before_restart'), false);
        assert.strictEqual(r.errors.diagnostics(editor.document.uri).length, 0, 'Restart R clears the diagnostics');
        await consoleShows(r, /Restarting R…\n(.*\n)*R \d+\.\d+\.\d+ is ready/);
    });

    test('R dying is reported in the console, with the restart the server announces, and R comes back by itself', async () => {
        const r = await readyR();
        assert.strictEqual(r.initializationOptions()?.autoRestart, true);
        const shown = collectNotices(r);
        const died = death(r);
        // The server reports the death before it answers the execution the death ended.
        let deadBeforeAnswer = false;
        const answered = r.execute('tools::pskill(Sys.getpid(), 9)').then((result) => {
            deadBeforeAnswer = r.state().kind !== 'idle' && r.state().kind !== 'busy';
            return result;
        });
        const dead = await died;
        assert.strictEqual((await answered).status, 'kernelDied');
        assert.ok(deadBeforeAnswer, 'the death was known when the execution was answered');
        assert.strictEqual(dead.cause, 'died');
        assert.ok(dead.restartInMs !== undefined, 'the server announces its restart');
        await stateIs(r, (s) => s.kind === 'idle', 'R to be back');
        await consoleShows(r, /R died: .*SIGKILL.*\n(.*\n)*R will be restarted(.*\n)*R \d+\.\d+\.\d+ is ready/);
        shown.stop();
        assert.deepStrictEqual(shown.notices, [], 'nobody is asked anything: R comes back by itself');
    });

    test('R quitting is said as such ("R quit"), not as a death', async () => {
        const r = await readyR();
        const shown = collectNotices(r);
        const died = death(r, 'R to quit');
        const result = await r.execute('quit(save = "no", status = 3)');
        assert.strictEqual(result.status, 'kernelDied');
        const dead = await died;
        assert.strictEqual(dead.cause, 'quit');
        const text = await consoleShows(r, /R quit \(exit status 3\)\./);
        assert.ok(!/R died: .*code 3/.test(text), 'no "R died" for a quit');
        if (dead.restartInMs !== undefined) {
            // The server starts a new R by itself: said in the console.
            await consoleShows(r, /R quit \(exit status 3\)\.\n(.*\n)*R will be restarted/);
            await stateIs(r, (s) => s.kind === 'idle', 'R to be back');
            shown.stop();
            assert.deepStrictEqual(shown.notices, []);
        } else {
            // Nothing restarts it: the user is offered to start it.
            const offer = await waitUntil(
                () => shown.notices.find((n) => /^R quit/.test(n.message)),
                [r.notices.onDidNotify],
                'the offer to start R',
            );
            shown.stop();
            assert.strictEqual(offer.severity, 'info');
            assert.deepStrictEqual(offer.actions, ['Start R']);
            await vscode.commands.executeCommand('rbridge.restart');
            await r.kernelReady();
        }
        assert.match(r.status().view.text, /R: idle/);
    });

    test('q() without rbridge.autoRestart: "R quit" in the console, not "R died", and a notification offering Start R', async () => {
        const r = await readyR();
        await setting('autoRestart', false);
        try {
            await vscode.commands.executeCommand('rbridge.restart');
            await r.kernelReady();
            assert.strictEqual(r.initializationOptions()?.autoRestart, false);
            const shown = collectNotices(r);
            const died = death(r, 'R to quit');
            assert.strictEqual((await r.execute('q()')).status, 'kernelDied');
            const dead = await died;
            assert.strictEqual(dead.cause, 'quit');
            assert.strictEqual(dead.restartInMs, undefined, 'nothing restarts it');
            const offer = await waitUntil(() => shown.notices.find((n) => /^R quit/.test(n.message)), [r.notices.onDidNotify], 'the offer to start R');
            shown.stop();
            assert.strictEqual(offer.severity, 'info');
            assert.strictEqual(offer.message, 'R quit (exit status 0).');
            assert.deepStrictEqual(offer.actions, ['Start R']);
            assert.ok(!shown.notices.some((n) => /died/.test(n.message)), 'no "R died" notification');
            const text = await consoleShows(r, /R quit \(exit status 0\)\.\n/);
            assert.ok(!/R died/.test(text.slice(text.lastIndexOf('R quit'))), 'no "R died" in the console');
            assert.match(r.status().view.text, /R: quit/);
            assert.ok(!r.status().view.alert, 'no alarm colour in the status bar');
        } finally {
            await setting('autoRestart', undefined);
            await vscode.commands.executeCommand('rbridge.restart');
            await r.kernelReady();
        }
    });

    test('runtime errors in the Problems view go when the line runs again without error, on Clear Workspace and on Restart R', async () => {
        const r = await readyR();
        const editor = await openR('runtime-errors.R', ['rt_x <- "text"', 'rt_y <- rt_x + 1']);
        const uri = editor.document.uri;
        const runLine = async (line: number) => {
            cursorAt(editor, line);
            return (await vscode.commands.executeCommand<{ status: string }>('rbridge.runSelection'))?.status;
        };
        const errors = () => r.errors.diagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
        assert.strictEqual(await runLine(0), 'ok');
        assert.strictEqual(await runLine(1), 'error');
        assert.deepStrictEqual(errors().map((d) => d.range.start.line), [1]);
        assert.match(errors()[0].message, /non-numeric argument to binary operator/);

        // The same line again, now without error: the mark goes.
        await rOk(r, 'rt_x <- 1');
        assert.strictEqual(await runLine(1), 'ok');
        assert.strictEqual(r.errors.diagnostics(uri).length, 0);

        // Clear Workspace.
        assert.strictEqual(await runLine(0), 'ok');
        assert.strictEqual(await runLine(1), 'error');
        assert.strictEqual(errors().length, 1);
        await vscode.commands.executeCommand('rbridge.clearWorkspace', { confirm: false });
        assert.strictEqual(r.errors.diagnostics(uri).length, 0);

        // Restart R.
        assert.strictEqual(await runLine(0), 'ok');
        assert.strictEqual(await runLine(1), 'error');
        assert.strictEqual(errors().length, 1);
        await vscode.commands.executeCommand('rbridge.restart');
        assert.strictEqual(r.errors.diagnostics(uri).length, 0);
        await r.kernelReady();
    });

    test('R ignoring interrupts: the notice is shown with Restart R, and restarting frees it', async () => {
        const r = await readyR();
        // It says when it is inside the loop, within the handler: an
        // interrupt that lands before (R has not begun the code, or is
        // compiling the loop) interrupts it, as it would in R, and the loop
        // would never run.
        const code = 'said <- FALSE; repeat tryCatch({ if (!said) { said <- TRUE; cat("inside the loop\\n") }; Sys.sleep(0.05) }, interrupt = function(e) NULL)';
        const notice = waitForEvent(r.notices.onDidNotify, (n) => /not responding to the interrupt/.test(n.message), 'the unresponsive notice');
        const stubborn = r.execute(code);
        await running(r, code);
        await consoleShows(r, /inside the loop/);
        await vscode.commands.executeCommand('rbridge.interrupt');
        const shown = await notice;
        assert.strictEqual(shown.severity, 'warning');
        assert.deepStrictEqual(shown.actions, ['Restart R']);
        assert.strictEqual(r.state().kind, 'busy', 'a notice, not a change of state');
        await consoleShows(r, /not responding to the interrupt/);
        await vscode.commands.executeCommand('rbridge.restart');
        assert.strictEqual((await stubborn).status, 'kernelDied');
        await r.kernelReady();
        await rOk(r, 'after_unresponsive <- 1');
    });

    test('the server process dying is survived once: a new server and R start', async function () {
        if (process.platform !== 'linux') this.skip();
        const r = await readyR();
        const rPid = (r.state() as { pid?: number }).pid!;
        const serverPid = parentOf(rPid);
        assert.notStrictEqual(serverPid, process.pid, 'the server is a process of its own');
        const gone = stateIs(r, (s) => s.kind === 'dead' && s.cause === 'serverGone', 'the session to notice the server died');
        process.kill(serverPid, 'SIGKILL');
        await gone;
        await stateIs(r, (s) => s.kind === 'idle', 'a new server and R');
        await rOk(r, 'after_server_crash <- TRUE');
    });

    test('R not found: a clear message with a way to fix it, no restart loop, and recovery once fixed', async () => {
        const r = await readyR();
        const notice = waitForEvent(r.notices.onDidNotify, (n) => n.severity === 'error' && /R was not found/.test(n.message), 'the "R was not found" notification');
        await setting('rPath', '/nonexistent/bin/R');
        assert.strictEqual(r.nextInitializationOptions().rPath, '/nonexistent/bin/R', 'rbridge.rPath reaches the options');
        await vscode.commands.executeCommand('rbridge.restart');
        const dead = await death(r, 'the start to fail');
        assert.strictEqual(dead.cause, 'startFailed');
        assert.strictEqual(dead.restartInMs, undefined, 'a start failure is not retried');
        assert.match(dead.reason, /R was not found/);
        const shown = await notice;
        assert.deepStrictEqual(shown.actions, ['Open Setting', 'Install R']);
        assert.match(r.status().view.text, /dead/);

        // Nothing retries by itself: the state stays dead.
        let changes = 0;
        const counting = r.onDidChangeState(() => changes++);
        const result = await r.execute('1 + 1');
        assert.strictEqual(result.status, 'kernelDied', 'an explicit run tries once more, and fails the same way');
        // What is tested is that nothing happens: no event announces a retry
        // that should not come, so watch the state for 1.5 s (longer than the
        // server's first automatic restart delay, 250 ms, with room to start).
        await new Promise((resolve) => setTimeout(resolve, 1500));
        counting.dispose();
        assert.ok(changes <= 4, `${changes} state changes: a restart loop?`);
        assert.strictEqual(r.state().kind, 'dead');

        // Fixing the setting starts R at once (it was not running anyway).
        await setting('rPath', undefined);
        await stateIs(r, (s) => s.kind === 'idle', 'R to start with the fixed setting');
        assert.strictEqual(r.initializationOptions()?.rPath, 'R');
    });

    test('another start failure: the reason, with Open Settings and Show Log; fixing the setting starts R', async () => {
        const r = await readyR();
        const notice = waitForEvent(r.notices.onDidNotify, (n) => n.severity === 'error' && /could not be started/.test(n.message), 'the start failure');
        await setting('rArgs', ['--vanilla']);
        await vscode.commands.executeCommand('rbridge.restart');
        const dead = await death(r, 'the start to fail');
        assert.strictEqual(dead.cause, 'startFailed');
        const shown = await notice;
        assert.match(shown.message, /--vanilla/);
        assert.deepStrictEqual(shown.actions, ['Open Settings', 'Show Log']);
        await consoleShows(r, /R could not be started: .*--vanilla/);
        assert.match(r.status().view.tooltip, /R could not be started/);
        await setting('rArgs', undefined);
        await stateIs(r, (s) => s.kind === 'idle', 'R to start with the fixed setting');
    });

    test('an untrusted workspace: no automatic start, R on request, and never the workspace .Rprofile', async () => {
        const r = await readyR();
        const dir = scratchDir('trust');
        fs.writeFileSync(path.join(dir, '.Rprofile'), 'profile_ran <- TRUE\n');
        await setting('workingDirectory', dir);

        r.testing.overrideTrust(false);
        assert.strictEqual(r.testing.mayStartAutomatically(), false);
        assert.strictEqual(r.nextInitializationOptions().workspaceTrusted, false);
        assert.strictEqual(r.nextInitializationOptions().cwd, dir);
        await r.testing.stop();
        assert.strictEqual(r.state().kind, 'stopped');
        assert.strictEqual(await r.testing.autoStart(), false);
        assert.strictEqual(r.state().kind, 'stopped', 'opening an R file does not start R');
        assert.match(r.status().view.tooltip, /not trusted/);

        // An explicit run starts R, after telling the user.
        const told = waitForEvent(r.notices.onDidNotify, (n) => /not trusted/.test(n.message), 'the untrusted-workspace message');
        const editor = await openR('trust.R', ['trust_probe <- exists("profile_ran")']);
        cursorAt(editor, 0);
        const result = await vscode.commands.executeCommand<{ status: string }>('rbridge.runSelection');
        await told;
        assert.strictEqual(result?.status, 'ok');
        assert.strictEqual(r.initializationOptions()?.workspaceTrusted, false);
        assert.strictEqual(r.initializationOptions()?.cwd, dir);
        assert.strictEqual(await rHas(r, 'profile_ran'), false, "the workspace's .Rprofile did not run");

        // Trusted again: a restart (a new server, since trust is fixed at start) runs it.
        r.testing.overrideTrust(true);
        assert.strictEqual(r.testing.mayStartAutomatically(), true);
        await vscode.commands.executeCommand('rbridge.restart');
        await r.kernelReady();
        assert.strictEqual(r.initializationOptions()?.workspaceTrusted, true);
        assert.strictEqual(await rHas(r, 'profile_ran'), true, "the trusted workspace's .Rprofile ran");

        r.testing.overrideTrust(undefined);
        await setting('workingDirectory', undefined);
        await vscode.commands.executeCommand('rbridge.restart');
        await r.kernelReady();
    });
});
