/**
 * Detached sessions (rbridge.session.detached, on by default): R runs in a
 * session process of its own that outlives the window; the window attaches
 * to it, detaches, attaches again, and stops it. The runner gives the
 * suite a registry of its own (RBRIDGE_RUNTIME_DIR) and stops every session
 * in it at the end (test/e2e/session.ts).
 */
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RBridgeApi } from '../../client/src/api';
import type { AttachEvent, SessionState } from '../../client/src/session';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import type { ExecuteResult, OutputParams, SessionInfoResult } from '../../common/protocol';
import { launchArgs } from '../../common/launch';
import { SESSION_PROTOCOL, SessionEntry, attachSocket, registryDir } from '../../common/sessions';
import { consoleShows, rOk, readyR, rbridge, running, waitForEvent, waitUntil } from './helpers';

function stateIs(r: RBridgeApi, accept: (s: SessionState) => boolean, what: string, ms = 60_000): Promise<SessionState> {
    return waitUntil(() => (accept(r.state()) ? r.state() : undefined), [r.onDidChangeState], what, ms);
}

function rPid(r: RBridgeApi): number | undefined {
    const state = r.state();
    return state.kind === 'idle' || state.kind === 'busy' ? state.pid : undefined;
}

/** Whether a process runs (not a zombie), from /proc. */
function alive(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
        return false;
    }
}

/** The process group of a process (Linux). */
function processGroup(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/** The parent process of a process (Linux). */
function parentOf(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * The arguments a server process was started with after `--launch`: what
 * it was told of the R the window will ask for, which it starts before the
 * window initializes it (server/src/kernel/prestart.ts).
 */
function launchOf(pid: number): string[] {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const at = argv.indexOf('--launch');
    return at < 0 ? [] : argv.slice(at, at + 2);
}

/** Polls a condition that no event announces (another process's state), with a deadline. */
async function eventually(check: () => boolean, what: string, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

async function setting(name: string, value: unknown): Promise<void> {
    await vscode.workspace.getConfiguration('rbridge').update(name, value, vscode.ConfigurationTarget.Global);
}

/** Whether a variable of this name is in R's global environment (asked from R). */
async function rHas(r: RBridgeApi, name: string): Promise<boolean> {
    return (await r.execute(`if (!exists(${JSON.stringify(name)}, envir = globalenv(), inherits = FALSE)) stop("absent")`)).status === 'ok';
}

/** The workspace folder of the suite's window: what its sessions belong to. */
function workspaceFolder(): string {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'the suite runs in a window with a folder');
    return folder;
}

function attachedEntry(r: RBridgeApi): SessionEntry {
    const entry = r.sessions.attached();
    assert.ok(entry, 'this window is attached to a detached session');
    return entry;
}

suite('Detached sessions: attach, detach, reattach, stop', () => {
    suiteTeardown(async () => {
        const r = await rbridge();
        r.notices.answerWith(undefined);
        r.testing.overrideTrust(undefined);
        await setting('session.detached', undefined);
        if (!r.sessions.attached()) await r.testing.stop();
        await r.kernelReady();
    });

    test('R runs as a detached session of the workspace, in the suite’s own registry, and the status bar says "attached"', async () => {
        const r = await readyR();
        assert.ok(process.env.RBRIDGE_RUNTIME_DIR, 'the runner gives the suite a registry of its own');
        assert.strictEqual(registryDir(), process.env.RBRIDGE_RUNTIME_DIR);
        const entry = attachedEntry(r);
        assert.strictEqual(fs.realpathSync(entry.workspace), fs.realpathSync(workspaceFolder()));
        assert.strictEqual(entry.trusted, r.initializationOptions()?.workspaceTrusted);
        assert.ok(r.sessions.list().some((s) => s.id === entry.id), 'the session is in the registry');
        // Its own process group (so that it outlives the window), parent of R.
        assert.strictEqual(processGroup(entry.pid), entry.pid, 'the session leads a process group of its own');
        assert.strictEqual(parentOf(rPid(r)!), entry.pid, "R is the session's child");
        assert.deepStrictEqual(launchOf(entry.pid), launchArgs(r.initializationOptions()!), 'the session was told which R the window asks for');
        assert.strictEqual(r.sessions.info()?.mode, 'session');
        assert.strictEqual(r.sessions.info()?.id, entry.id);
        assert.match(r.status().view.text, /R: (idle|busy) · attached/);
        assert.match(r.status().view.tooltip, /detached R session/);
    });

    test('the client stopped and started again (as a reload does) reattaches: the same R, its variables kept, told in the console', async () => {
        const r = await readyR();
        await rOk(r, 'kept_across <- 42');
        await waitUntil(() => r.variablesTree.rootNode('kept_across'), [r.variablesTree.onDidChangeTreeData], 'kept_across in the view');
        const pid = rPid(r)!;
        const entry = attachedEntry(r);

        assert.strictEqual(await r.testing.detach(), true);
        assert.strictEqual(r.state().kind, 'detached');
        assert.strictEqual(r.sessions.attached(), undefined);
        assert.strictEqual(r.variablesTree.rootNode('kept_across'), undefined, 'a detached window shows no variables');
        assert.ok(alive(entry.pid) && alive(pid), 'the session and R keep running without the window');
        await eventually(() => r.sessions.list().find((s) => s.id === entry.id)?.clients === 0, 'the registry to say no window is attached');

        const readyNotes = (text: string) => text.split(/R [\d.]+ is ready/).length - 1;
        const readyBefore = readyNotes(r.console.text());
        const attached = waitForEvent(r.sessions.onDidAttach, () => true, 'the window to attach');
        await r.kernelReady();
        const event = await attached;
        assert.strictEqual(event.reattached, true);
        assert.strictEqual(event.entry.id, entry.id, 'the same session');
        assert.strictEqual(rPid(r), pid, 'the same R process');
        assert.strictEqual(r.sessions.info()?.reattached, true);
        // The variables view catches up without anything being run.
        const row = await waitUntil(() => r.variablesTree.rootNode('kept_across'), [r.variablesTree.onDidChangeTreeData], 'kept_across in the view again');
        assert.match(row.variable.summary, /42/);
        assert.strictEqual(await rHas(r, 'kept_across'), true);
        const text = await consoleShows(r, new RegExp(`Reattached to R session \\(R [\\d.]+, pid ${pid}\\), started `));
        assert.strictEqual(readyNotes(text), readyBefore, 'no "R is ready" note: R was there already');
        assert.match(r.status().view.text, /· attached/);
    });

    test('R: Detach from Session and R: Attach to Session… (by pid), and Show Sessions attaching', async () => {
        const r = await readyR();
        const entry = attachedEntry(r);
        const pid = rPid(r)!;
        assert.strictEqual(await vscode.commands.executeCommand('rbridge.detachSession'), true);
        assert.strictEqual(r.state().kind, 'detached');
        assert.match(r.status().view.text, /R: detached/);
        assert.match(r.status().view.tooltip, new RegExp(`process ${pid}`));
        await consoleShows(r, /Detached from the R session \(R pid \d+\); it keeps running/);
        // Detaching again: nothing to let go of.
        assert.strictEqual(await vscode.commands.executeCommand('rbridge.detachSession'), false);

        const attached = await vscode.commands.executeCommand<SessionEntry>('rbridge.attachSession', String(entry.pid));
        assert.strictEqual(attached?.id, entry.id);
        await stateIs(r, (s) => s.kind === 'idle', 'R idle after attaching');
        assert.strictEqual(rPid(r), pid);

        // Show Sessions, with the session and the action named: detach, then attach through it.
        await r.testing.detach();
        const listed = await vscode.commands.executeCommand<SessionEntry[]>('rbridge.showSessions', { session: entry.id, action: 'attach' });
        assert.ok(listed?.some((s) => s.id === entry.id));
        assert.strictEqual(r.sessions.attached()?.id, entry.id);
        assert.strictEqual(rPid(r), pid);
    });

    test('an execution running when the window goes keeps running: the output printed meanwhile and its answer reach the reattached window; a queued one is dropped and said so', async () => {
        const r = await readyR();
        const dir = fs.mkdtempSync(path.join(registryDir(), 'flags-'));
        const flag = (name: string) => path.join(dir, name).replace(/\\/g, '/');
        const waitFor = (name: string) => `while (!file.exists(${JSON.stringify(flag(name))})) Sys.sleep(0.05)`;
        const code = [
            'cat("before the reload\\n")',
            waitFor('go1'),
            'cat("printed while detached\\n")',
            // Time for the output to reach the session (the pipe, the server's batching) before the test attaches again.
            'Sys.sleep(0.5)',
            `file.create(${JSON.stringify(flag('printed'))})`,
            waitFor('go2'),
            'cat("after reattaching\\n")',
            'long_run_result <- "finished"',
        ].join('\n');
        const first = r.execute(code);
        await running(r, code);
        await consoleShows(r, /before the reload/);
        const dropped = r.execute('dropped_run <- 1');
        await waitUntil(() => r.pending().find((p) => p.request.code === 'dropped_run <- 1' && p.state === 'queued'), [r.onDidChangePending], 'the second run to be queued');

        assert.strictEqual(await r.testing.detach(), true);
        let lastAttach: AttachEvent | undefined;
        const listening = r.sessions.onDidAttach((e) => (lastAttach = e));
        assert.strictEqual((await first).status, 'kernelDied', 'this window gets no answer for it any more');
        assert.strictEqual((await dropped).status, 'kernelDied');
        // While no window is attached, R prints: the session keeps it.
        fs.writeFileSync(flag('go1'), '');
        await eventually(() => fs.existsSync(flag('printed')), 'R to print while detached');

        await r.kernelReady();
        const info = r.sessions.info();
        assert.ok(info?.reattached);
        assert.ok(info.running, 'the session says what still runs');
        assert.match(info.running.codePreview, /before the reload/);
        assert.deepStrictEqual(
            info.dropped.map((d) => d.codePreview),
            ['dropped_run <- 1'],
        );
        assert.strictEqual(info.backlogDroppedBytes, 0, 'no output was lost');
        const adopted = r.pending().find((p) => p.request.origin === 'session');
        assert.ok(adopted, 'the running execution is shown as running in this window');
        assert.strictEqual(adopted.state, 'running');
        assert.match(r.status().view.text, /R: busy/);
        // The note first, then what was printed meanwhile.
        await consoleShows(r, /Reattached to R session .*1 execution queued before the reload was dropped \(dropped_run <- 1\); still running: .*\n(.*\n)*printed while detached/);

        const answered = waitForEvent(r.onDidExecute, (record) => record.executionId === adopted.executionId, 'the answer of the execution that ran across the reload');
        fs.writeFileSync(flag('go2'), '');
        const record = await answered;
        const attachEvent = lastAttach;
        assert.ok(attachEvent && attachEvent.backlog > 0, 'output was kept while no window was attached');
        assert.strictEqual(record.result.status, 'ok');
        assert.strictEqual(record.request.origin, 'session');
        await consoleShows(r, /printed while detached\n(.*\n)*after reattaching/);
        await waitUntil(() => (r.pending().length === 0 ? true : undefined), [r.onDidChangePending], 'nothing pending');
        assert.match(r.status().view.text, /R: idle/);
        assert.strictEqual(await rHas(r, 'long_run_result'), true);
        assert.strictEqual(await rHas(r, 'dropped_run'), false, 'the queued run never ran');
        listening.dispose();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test('two windows attached at once both work, and the output of each goes to both', async () => {
        const r = await readyR();
        const entry = attachedEntry(r);
        // The other window: an LSP client of its own on the session's socket, as another VS Code window (or rbridge --attach) is.
        const { socket } = await attachSocket(entry);
        const other = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
        const seen: string[] = [];
        other.onNotification('r/output', (p: OutputParams) => void seen.push(p.text));
        other.listen();
        socket.resume();
        try {
            await other.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {}, initializationOptions: {} });
            await other.sendNotification('initialized', {});
            const info = await other.sendRequest<SessionInfoResult>('r/sessionInfo', {});
            assert.strictEqual(info.reattached, true);
            assert.strictEqual(info.clients, 2);
            await eventually(() => r.sessions.list().find((s) => s.id === entry.id)?.clients === 2, 'the registry to count two windows');

            const theirs = await other.sendRequest<ExecuteResult>('r/execute', { code: 'cat("from the other window\\n"); other_window <- TRUE', executionId: 'other-window-1' });
            assert.strictEqual(theirs.status, 'ok');
            await consoleShows(r, /from the other window/);
            await waitUntil(() => r.variablesTree.rootNode('other_window'), [r.variablesTree.onDidChangeTreeData], 'the other window’s variable in this window’s view');

            await rOk(r, 'cat("from this window\\n")');
            await eventually(() => seen.join('').includes('from this window'), 'this window’s output to reach the other window');
            assert.strictEqual(r.pending().length, 0, 'the other window’s executions are not this window’s');
        } finally {
            await other.sendRequest('shutdown').catch(() => undefined);
            await other.sendNotification('exit').catch(() => undefined);
            other.dispose();
            socket.destroy();
        }
        await eventually(() => r.sessions.list().find((s) => s.id === entry.id)?.clients === 1, 'the other window to have detached');
        await rOk(r, 'after_two_windows <- 1');
    });

    test('R: Stop Session ends R and the session; the next run starts a new session', async () => {
        const r = await readyR();
        const entry = attachedEntry(r);
        const pid = rPid(r)!;
        assert.strictEqual(await vscode.commands.executeCommand('rbridge.stopSession'), true);
        assert.strictEqual(r.state().kind, 'stopped');
        assert.strictEqual(r.sessions.attached(), undefined);
        assert.ok(!alive(entry.pid), 'the session process is gone');
        await eventually(() => !alive(pid), 'R to be gone');
        assert.ok(!r.sessions.list().some((s) => s.id === entry.id), 'the session left the registry');
        await consoleShows(r, /The R session was stopped\./);

        await r.kernelReady();
        const next = attachedEntry(r);
        assert.notStrictEqual(next.id, entry.id, 'a new session');
        assert.notStrictEqual(rPid(r), pid);
        assert.strictEqual(r.sessions.info()?.reattached, false);
    });

    test('a session stopped outside the window (SIGTERM) is not restarted behind the user’s back', async () => {
        const r = await readyR();
        const entry = attachedEntry(r);
        const stopped = stateIs(r, (s) => s.kind === 'stopped', 'the window to see its session stopped');
        process.kill(entry.pid, 'SIGTERM');
        await stopped;
        await consoleShows(r, /The R session was stopped outside this window/);
        assert.ok(!r.sessions.list().some((s) => s.id === entry.id));
        assert.strictEqual(r.sessions.attached(), undefined, 'no new session started by itself');
        await r.kernelReady();
        assert.notStrictEqual(attachedEntry(r).id, entry.id);
    });

    test('an untrusted window never attaches to a session started from a trusted one', async () => {
        const r = await readyR();
        const trusted = attachedEntry(r);
        assert.strictEqual(trusted.trusted, true, 'the suite runs trusted');
        const trustedPid = rPid(r)!;
        await r.testing.detach();

        r.testing.overrideTrust(false);
        await r.kernelReady();
        const untrusted = attachedEntry(r);
        assert.notStrictEqual(untrusted.id, trusted.id, 'a session of its own');
        assert.strictEqual(untrusted.trusted, false);
        assert.strictEqual(r.initializationOptions()?.workspaceTrusted, false);
        assert.notStrictEqual(rPid(r), trustedPid);
        assert.ok(alive(trusted.pid), 'the trusted session runs on');

        // Asked by name, it is refused with the reason.
        const refused = waitForEvent(r.notices.onDidNotify, (n) => /started from a trusted workspace/.test(n.message), 'the refusal');
        assert.strictEqual(await vscode.commands.executeCommand('rbridge.attachSession', trusted.id), undefined);
        await refused;
        assert.strictEqual(attachedEntry(r).id, untrusted.id);

        // Trusted again: the untrusted session is stopped, and the window goes back to the trusted one.
        await r.testing.stop();
        assert.ok(!alive(untrusted.pid));
        r.testing.overrideTrust(undefined);
        await r.kernelReady();
        assert.strictEqual(attachedEntry(r).id, trusted.id);
        assert.strictEqual(rPid(r), trustedPid);
    });

    test('a session from an incompatible version is refused with a clear message; "Stop That Session" stops it and starts a new one', async function () {
        const r = await readyR();
        const dir = registryDir();
        const id = 'fa11ed0c0de0';
        const socketPath = path.join(dir, `${id}.sock`);
        const secretFile = path.join(dir, `${id}.secret`);
        fs.writeFileSync(secretFile, 'not-checked', { mode: 0o600 });
        // The old session: a process to stop, and a socket that refuses this version's handshake as such a session would.
        const old: ChildProcess = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: 'ignore' });
        const server = net.createServer((socket) => {
            socket.once('data', () =>
                socket.end(
                    `${JSON.stringify({ ok: false, reason: 'protocol', error: `this session speaks session protocol ${SESSION_PROTOCOL + 98} (R Bridge 9.9.9)`, protocol: SESSION_PROTOCOL + 98, serverVersion: '9.9.9' })}\n`,
                ),
            );
        });
        await new Promise<void>((resolve) => server.listen(socketPath, resolve));
        const answers: string[] = [];
        try {
            await r.testing.stop();
            const entry: SessionEntry = {
                id,
                pid: old.pid!,
                socket: socketPath,
                secretFile,
                workspace: workspaceFolder(),
                trusted: r.nextInitializationOptions().workspaceTrusted === true,
                protocol: SESSION_PROTOCOL + 98,
                serverVersion: '9.9.9',
                started: new Date().toISOString(),
                clients: 0,
            };
            fs.writeFileSync(path.join(dir, `${id}.json`), JSON.stringify(entry), { mode: 0o600 });

            const refused = waitForEvent(r.notices.onDidNotify, (n) => /R Bridge 9\.9\.9/.test(n.message), 'the message about the incompatible session');
            await assert.rejects(r.kernelReady(), /9\.9\.9/);
            const notice = await refused;
            assert.strictEqual(notice.severity, 'error');
            assert.match(notice.message, new RegExp(`process ${old.pid}\\) was started by R Bridge 9\\.9\\.9 and cannot be attached`));
            assert.deepStrictEqual(notice.actions, ['Stop That Session', 'Show Log']);
            const state = r.state();
            assert.ok(state.kind === 'dead' && state.cause === 'incompatibleSession', JSON.stringify(state));
            assert.ok(alive(old.pid!), 'nothing is stopped without asking');
            await consoleShows(r, /cannot be attached/);

            // Run code: the same refusal (no second R beside it), until the user decides.
            r.notices.answerWith((n) => {
                answers.push(n.message);
                return /9\.9\.9/.test(n.message) ? 'Stop That Session' : undefined;
            });
            const ready = stateIs(r, (s) => s.kind === 'idle', 'a new session after stopping the old one');
            await vscode.commands.executeCommand('rbridge.restart');
            await ready;
            assert.ok(answers.some((m) => /9\.9\.9/.test(m)), 'the refusal was offered again');
            await eventually(() => !alive(old.pid!), 'the old session to be stopped (SIGTERM)');
            const next = attachedEntry(r);
            assert.notStrictEqual(next.id, id);
            assert.strictEqual(next.protocol, SESSION_PROTOCOL);
            await rOk(r, 'after_incompatible <- 1');
        } finally {
            r.notices.answerWith(undefined);
            server.close();
            if (alive(old.pid!)) old.kill('SIGKILL');
            for (const suffix of ['.json', '.sock', '.secret']) fs.rmSync(path.join(dir, id + suffix), { force: true });
        }
    });

    test('with rbridge.session.detached off, R runs over stdio inside the window, as before', async () => {
        const r = await readyR();
        const detachedEntry = attachedEntry(r);
        await setting('session.detached', false);
        try {
            await r.testing.detach();
            await r.kernelReady();
            assert.strictEqual(r.sessions.attached(), undefined);
            const server = parentOf(rPid(r)!);
            assert.strictEqual(parentOf(server), process.pid, 'the server is a child of the extension host');
            assert.deepStrictEqual(launchOf(server), launchArgs(r.initializationOptions()!), 'the server was told which R the window asks for');
            assert.strictEqual(processGroup(server), processGroup(process.pid), "in the extension host's process group");
            assert.doesNotMatch(r.status().view.text, /attached/);
            assert.strictEqual(await vscode.commands.executeCommand('rbridge.detachSession'), false);
            // Stop means stop: the server and R go.
            const rProcess = rPid(r)!;
            await r.testing.stop();
            await eventually(() => !alive(server) && !alive(rProcess), 'the stdio server and R to stop');
        } finally {
            await setting('session.detached', undefined);
        }
        await r.kernelReady();
        assert.strictEqual(attachedEntry(r).id, detachedEntry.id, 'back to the detached session, which ran on');
    });
});
