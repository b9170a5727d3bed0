/**
 * rbridge and detached sessions, with real R behind a real session server
 * (`node dist/server.js --session`): `rbridge sessions`, `--attach` with
 * `-e`, a script and the console, detaching (Ctrl+D, the end of -e, a
 * killed client) while R keeps its workspace, the output and the dropped
 * executions a client that comes back is told of, the errors that end with
 * status 2, `--session` and `rbridge stop-session`.
 *
 * Every session lives in a registry folder of this file's own
 * (RBRIDGE_RUNTIME_DIR), and every session is stopped at the end, by pid.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { SessionEntry, attachSocket, listSessions } from '../../common/sessions';
import { parseArgs } from '../../cli/args';
import { SessionProblem, chooseSession, formatSessions } from '../../cli/sessions';
import { SERVER } from '../support/paths';
import { isRunning, killIfRunning, trackPid } from '../support/procs';
import { CliProcess } from './cliProcess';
import { PtyProcess } from './ptyProcess';

/** The console's prompt at the start of a row, drawn after what R printed (readline moves the cursor after it). */
const PROMPT = /\r\n\S*> \S*$/;
/** The line rbridge says on attaching, with R's version and pid. */
const ATTACHED = /rbridge: attached to R session ([0-9a-f]{12}) \(R (\d+\.\d+\.\d+), pid (\d+), workspace ([^;)]+)[;)]/;

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

/** Starts a detached session for `workspace`, as a client would; resolves with its registry entry. */
async function startSession(workspace: string): Promise<SessionEntry> {
    const child = spawn(process.execPath, [SERVER, '--session', '--workspace', workspace], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    trackPid(child.pid!);
    const line = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout!.on('data', (d: Buffer) => {
            text += d.toString();
            if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
        });
        child.on('exit', (code) => reject(new Error(`the session server exited with ${code} before it listened`)));
    });
    child.stdout!.destroy();
    child.unref();
    const { id } = JSON.parse(line) as { id: string };
    const entry = listSessions().find((s) => s.id === id);
    assert.ok(entry, `session ${id} is not in the registry after it said ${line}`);
    return entry;
}

/** The registry entry of session `id` now (R's pid and state are filled in once R runs). */
function entryOf(id: string): SessionEntry | undefined {
    return listSessions().find((s) => s.id === id);
}

/** Stops every session in the registry (SIGTERM by pid, then SIGKILL for what remains, R included). */
async function stopAll(): Promise<void> {
    const sessions = listSessions();
    for (const s of sessions) {
        try {
            process.kill(s.pid, 'SIGTERM');
        } catch {
            // Gone already.
        }
    }
    await until(() => sessions.every((s) => !isRunning(s.pid)), 8000, 'the sessions to stop').catch(() => undefined);
    for (const s of sessions) {
        killIfRunning(s.pid);
        if (s.rPid) killIfRunning(s.rPid);
    }
}

describe('command-line client and detached sessions (real R)', function () {
    let runtime: string;
    let tmp: string;
    let workspace: string;
    let session: SessionEntry;
    let savedRuntime: string | undefined;
    const running: { kill(): void }[] = [];
    const ptys: PtyProcess[] = [];

    function cli(args: string[], options: Parameters<typeof CliProcess.run>[1] = {}) {
        return CliProcess.run(args, options);
    }

    before(async function () {
        this.timeout(60000);
        savedRuntime = process.env.RBRIDGE_RUNTIME_DIR;
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-sessions-test-'));
        runtime = path.join(tmp, 'runtime');
        fs.mkdirSync(runtime, { mode: 0o700 });
        // The clients this file runs inherit it, and so find the same registry.
        process.env.RBRIDGE_RUNTIME_DIR = runtime;
        workspace = fs.realpathSync(fs.mkdtempSync(path.join(tmp, 'ws-')));
        session = await startSession(workspace);
    });

    afterEach(async () => {
        for (const p of running.splice(0)) p.kill();
        for (const pty of ptys.splice(0)) await pty.stop();
    });

    after(async function () {
        this.timeout(20000);
        await stopAll();
        assert.deepStrictEqual(listSessions(), [], 'a session outlived the tests');
        if (savedRuntime === undefined) delete process.env.RBRIDGE_RUNTIME_DIR;
        else process.env.RBRIDGE_RUNTIME_DIR = savedRuntime;
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    describe('arguments and choosing a session (no R)', () => {
        it('reads --attach with and without a target, and the session commands', () => {
            const noFile = () => false;
            const attach = (argv: string[]) => {
                const parsed = parseArgs(argv, noFile);
                assert.strictEqual(parsed.kind, 'run', JSON.stringify(parsed));
                return parsed.kind === 'run' ? { mode: parsed.mode, attach: parsed.options.attach, file: parsed.options.file } : undefined;
            };
            assert.deepStrictEqual(attach(['--attach']), { mode: 'repl', attach: { target: undefined }, file: undefined });
            assert.deepStrictEqual(attach(['--attach', '1234', '-e', '1']), { mode: 'expr', attach: { target: '1234' }, file: undefined });
            assert.deepStrictEqual(attach(['--attach', '-e', '1']), { mode: 'expr', attach: { target: undefined }, file: undefined });
            assert.deepStrictEqual(attach(['--attach=/some/dir']), { mode: 'repl', attach: { target: '/some/dir' }, file: undefined });
            assert.deepStrictEqual(attach(['--attach', '/some/dir', 'script.R']), { mode: 'file', attach: { target: '/some/dir' }, file: 'script.R' });
            // An existing file after --attach is the script, not the target.
            const parsed = parseArgs(['--attach', 'script.R'], (p) => p === 'script.R');
            assert.ok(parsed.kind === 'run' && parsed.options.file === 'script.R' && parsed.options.attach?.target === undefined, JSON.stringify(parsed));

            assert.deepStrictEqual(parseArgs(['sessions']), { kind: 'sessions', json: false });
            assert.deepStrictEqual(parseArgs(['sessions', '--json']), { kind: 'sessions', json: true });
            assert.deepStrictEqual(parseArgs(['stop-session', '42']), { kind: 'stopSession', target: '42' });
            assert.deepStrictEqual(parseArgs(['stop-session']), { kind: 'stopSession', target: undefined });
            assert.strictEqual(parseArgs(['sessions', '--stop']).kind, 'usageError');
            assert.strictEqual(parseArgs(['--attach', '--session']).kind, 'usageError');
            assert.strictEqual(parseArgs(['--idle-timeout', '5']).kind, 'usageError');
            assert.strictEqual(parseArgs(['--session', '--idle-timeout', 'soon']).kind, 'usageError');
            // A script named like a command still runs after --.
            const script = parseArgs(['--', 'sessions']);
            assert.ok(script.kind === 'run' && script.mode === 'file' && script.options.file === 'sessions');
        });

        it('chooses by folder, pid, R pid or id; without a target the current folder, else the only one', () => {
            const base = { socket: '', secretFile: '', trusted: false, protocol: 1, serverVersion: '0.1.0', started: new Date().toISOString(), clients: 0 };
            const a: SessionEntry = { ...base, id: 'aaaaaaaaaaaa', pid: 101, rPid: 201, workspace: tmp };
            const b: SessionEntry = { ...base, id: 'bbbbbbbbbbbb', pid: 102, rPid: 202, workspace: workspace };
            assert.strictEqual(chooseSession(workspace, '/', [a, b]), b);
            assert.strictEqual(chooseSession('102', '/', [a, b]), b);
            assert.strictEqual(chooseSession('201', '/', [a, b]), a);
            assert.strictEqual(chooseSession('aaaaaaaaaaaa', '/', [a, b]), a);
            assert.strictEqual(chooseSession(undefined, workspace, [a, b]), b);
            assert.strictEqual(chooseSession(undefined, '/', [a]), a);
            assert.throws(() => chooseSession(undefined, '/', [a, b]), (e: SessionProblem) => /2 R sessions are running/.test(e.message) && e.detail!.includes('bbbbbbbbbbbb'));
            assert.throws(() => chooseSession(undefined, '/', []), /no R session is running/);
            assert.throws(() => chooseSession('999', '/', [a]), (e: SessionProblem) => /no R session matches '999'/.test(e.message) && e.detail!.includes('aaaaaaaaaaaa'));
            const table = formatSessions([a], Date.parse(a.started) + 125000).split('\n');
            assert.match(table[0], /^ID\s+PID\s+R PID\s+R\s+STATE\s+CLIENTS\s+AGE\s+WORKSPACE$/);
            assert.match(table[1], new RegExp(`^aaaaaaaaaaaa\\s+101\\s+201\\s+-\\s+not started\\s+0\\s+2m\\s+${tmp}$`));
        });
    });

    it('rbridge sessions lists the session, as a table and as JSON', async () => {
        const table = await cli(['sessions']);
        assert.strictEqual(table.exited.code, 0, table.describe());
        const rows = table.stdout.trimEnd().split('\n');
        assert.match(rows[0], /^ID\s+PID/);
        const row = rows.find((r) => r.startsWith(session.id));
        assert.ok(row, table.describe());
        assert.ok(row.includes(String(session.pid)) && row.endsWith(workspace), row);
        const json = await cli(['sessions', '--json']);
        assert.strictEqual(json.exited.code, 0, json.describe());
        const listed = JSON.parse(json.stdout) as SessionEntry[];
        assert.deepStrictEqual(
            listed.map((s) => [s.id, s.pid, s.workspace]),
            listSessions().map((s) => [s.id, s.pid, s.workspace]),
        );
        assert.ok(listed.some((s) => s.id === session.id));
    });

    it('--attach DIR -e defines x; a second --attach PID -e sees it in the same R process', async () => {
        const first = await cli(['--attach', workspace, '-e', 'x <- 42', '-e', 'cat(Sys.getpid(), "\\n")']);
        assert.strictEqual(first.exited.code, 0, first.describe());
        const rPid = Number(first.stdout.trim());
        assert.ok(rPid > 0, first.describe());
        trackPid(rPid);
        assert.match(first.stderr, new RegExp(`rbridge: attached to R session ${session.id} \\((starting R|R \\S+, pid ${rPid}), workspace ${workspace}\\)`));

        const second = await cli(['--attach', String(session.pid), '-e', 'cat(x, Sys.getpid(), "\\n")']);
        assert.strictEqual(second.exited.code, 0, second.describe());
        assert.strictEqual(second.stdout, `42 ${rPid} \n`);
        const attached = ATTACHED.exec(second.stderr);
        assert.ok(attached, second.describe());
        assert.deepStrictEqual([attached[1], Number(attached[3]), attached[4]], [session.id, rPid, workspace]);
        // Detaching left R running, and the session says so.
        await until(() => entryOf(session.id)?.rPid === rPid && entryOf(session.id)?.clients === 0, 5000, 'the entry to show R and no client');
        assert.ok(isRunning(rPid));
    });

    it('--attach ID runs a script in the session, and exits with its status', async () => {
        const file = path.join(tmp, 'uses-x.R');
        fs.writeFileSync(file, 'x <- x + 1\ncat("x is", x, "\\n")\nstop("at the end")\n');
        const run = await cli(['--attach', session.id, file]);
        assert.strictEqual(run.exited.code, 1, run.describe());
        assert.match(run.stdout, /^x is \d+ \n$/);
        assert.match(run.stderr, /at the end/);
        assert.match(run.stderr, /rbridge: error at .*uses-x\.R:3/);
        assert.doesNotMatch(run.stderr, /detached/);
    });

    it('the console attaches, and Ctrl+D detaches: the session and its variables remain', async () => {
        const pty = PtyProcess.start(['--attach', workspace]);
        ptys.push(pty);
        await pty.waitFor(ATTACHED, 30000);
        await pty.waitFor(/> /);
        let from = pty.output.length;
        pty.type('console_y <- 7; cat("set", console_y, "\\n")\r');
        await pty.waitFor(/set 7 \r\n/, 20000, from);
        await pty.waitFor(PROMPT, 20000, from);
        from = pty.output.length;
        pty.type('\x04');
        await pty.waitFor('rbridge: detached; R keeps running (rbridge --attach to come back)', 10000, from);
        const exit = await pty.waitForExit(10000);
        assert.strictEqual(exit.code, 0, pty.describe());

        assert.ok(entryOf(session.id), 'the session is gone after the console detached');
        const check = await cli(['--attach', workspace, '-e', 'cat(console_y, "\\n")']);
        assert.strictEqual(check.stdout, '7 \n', check.describe());
    });

    /** A CLI that runs `code` (which prints "started" first) is SIGKILLed once it has started. */
    async function clientKilledWhileRunning(code: string): Promise<void> {
        const victim = CliProcess.start(['--attach', workspace, '-e', code]);
        running.push(victim);
        await victim.waitForOutput('started\n', 30000);
        victim.child.kill('SIGKILL');
        await victim.waitForExit(5000);
    }

    it('the console shows the output of code still running from a client that left above its prompt', async () => {
        await clientKilledWhileRunning('cat("started\\n"); Sys.sleep(3); cat("late output\\n")');

        const pty = PtyProcess.start(['--attach', workspace]);
        ptys.push(pty);
        await pty.waitFor(/rbridge: R is running `cat\("started\\n"\); Sys\.sleep\(3\); cat\("late output\\n"\)` \(for \d+ s\)/, 30000);
        await pty.waitFor(/> /);
        // Typed while that code runs, not sent yet: it must survive the output.
        pty.type('cat("typed", 1 + 1');
        await pty.waitFor('typed", 1 + 1');
        await pty.waitFor(/late output\r\n/, 10000);
        // Then what rbridge says of it, and the prompt again with what was typed.
        await pty.waitFor(/rbridge: `cat\("started\\n"\); Sys\.sleep\(3\); cat\("late output\\n"\)` has finished\r\n\S*> \S*cat\("typed", 1 \+ 1/, 10000);
        const from = pty.output.length;
        pty.type(', "\\n")\r');
        await pty.waitFor('typed 2 \r\n', 10000, from);
    });

    it("Ctrl+C at the console's empty prompt interrupts code a client that left is running", async () => {
        await clientKilledWhileRunning('cat("started\\n"); Sys.sleep(60); cat("not reached\\n")');

        const pty = PtyProcess.start(['--attach', workspace]);
        ptys.push(pty);
        await pty.waitFor(/rbridge: R is running `cat\("started\\n"\); Sys\.sleep\(60\)/, 30000);
        await pty.waitFor(/> /);
        pty.type('\x03');
        await pty.waitFor('rbridge: interrupting the code R is running', 10000);
        await pty.waitFor(/rbridge: `cat\("started\\n"\); Sys\.sleep\(60\); cat\("not reached\\n"\)` ended: interrupted/, 10000);
        const from = pty.output.length;
        pty.type('cat("free", 2 + 2, "\\n")\r');
        await pty.waitFor('free 4 \r\n', 10000, from);
        assert.ok(!pty.output.includes('not reached\r\n'), pty.describe());
    });

    it('a client killed while R runs its code: R finishes it, and the next client gets the output', async () => {
        await clientKilledWhileRunning('cat("started\\n"); Sys.sleep(3); cat("done\\n")');
        // R is busy with it, then idle again, with no client to print to.
        await until(() => entryOf(session.id)?.state === 'busy', 5000, 'the session to show R busy');
        await until(() => entryOf(session.id)?.state === 'idle', 10000, 'the session to show R idle again');

        const back = await cli(['--attach', workspace, '-e', 'cat("mine\\n")']);
        assert.strictEqual(back.exited.code, 0, back.describe());
        assert.strictEqual(back.stdout, 'done\nmine\n', back.describe());
        assert.match(back.stderr, /rbridge: output from while no client was attached follows \(5 bytes\)/);
    });

    it('attaching while a client that left still has code running: its output continues, then ours runs', async () => {
        await clientKilledWhileRunning('cat("started\\n"); Sys.sleep(5); cat("finished\\n")');

        const back = await cli(['--attach', workspace, '-e', 'cat("after\\n")']);
        assert.strictEqual(back.exited.code, 0, back.describe());
        assert.strictEqual(back.stdout, 'finished\nafter\n', back.describe());
        assert.match(back.stderr, /rbridge: R is running `cat\("started\\n"\); Sys\.sleep\(5\); cat\("finished\\n"\)` \(for \d+ s\)/);
    });

    it('the executions a client queued and left are reported as dropped, and do not run', async () => {
        // A client of the protocol's own that queues two executions and goes away.
        const { socket } = await attachSocket(session);
        const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
        let output = '';
        connection.onNotification('r/output', (p: { text: string }) => {
            output += p.text;
        });
        connection.listen();
        socket.resume();
        await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
        await connection.sendNotification('initialized', {});
        void connection.sendRequest('r/execute', { code: 'cat("first\\n"); Sys.sleep(1)' }).catch(() => undefined);
        void connection.sendRequest('r/execute', { code: 'cat("never\\n")' }).catch(() => undefined);
        await until(() => output.includes('first\n'), 20000, 'the first execution to start');
        socket.destroy();
        connection.dispose();

        const back = await cli(['--attach', workspace, '-e', 'cat("mine\\n")']);
        assert.strictEqual(back.exited.code, 0, back.describe());
        assert.match(back.stderr, /rbridge: 1 execution queued by a client that left was dropped, not run: `cat\("never\\n"\)`/);
        assert.strictEqual(back.stdout, 'mine\n', back.describe());
    });

    describe('sessions that cannot be used: one line and status 2', () => {
        it('a wrong secret', async () => {
            const saved = fs.readFileSync(session.secretFile);
            try {
                fs.writeFileSync(session.secretFile, 'not-the-secret');
                const run = await cli(['--attach', workspace, '-e', 'cat("ran\\n")']);
                assert.strictEqual(run.exited.code, 2, run.describe());
                assert.strictEqual(run.stdout, '');
                assert.strictEqual(
                    run.stderr,
                    `rbridge: cannot attach to R session ${session.id} (pid ${session.pid}, ${workspace}): it refused the secret (${session.secretFile} does not hold this session's secret)\n`,
                );
            } finally {
                fs.writeFileSync(session.secretFile, saved);
            }
            // The session itself is unharmed.
            const again = await cli(['--attach', workspace, '-e', 'cat("ran\\n")']);
            assert.strictEqual(again.stdout, 'ran\n', again.describe());
        });

        /** A registry entry of a process that is alive (this test's), with a socket of the test's making. */
        function fakeEntry(id: string, socketPath: string): SessionEntry {
            const secretFile = path.join(runtime, `${id}.secret`);
            fs.writeFileSync(secretFile, 'secret', { mode: 0o600 });
            const entry: SessionEntry = { ...session, id, pid: process.pid, socket: socketPath, secretFile, workspace: path.join(tmp, id), rPid: undefined };
            fs.writeFileSync(path.join(runtime, `${id}.json`), JSON.stringify(entry), { mode: 0o600 });
            return entry;
        }

        function removeFake(id: string): void {
            for (const suffix of ['.json', '.secret', '.sock']) fs.rmSync(path.join(runtime, id + suffix), { force: true });
        }

        it('a session of an incompatible version', async () => {
            const id = 'f0f0f0f0f0f0';
            const socketPath = path.join(runtime, `${id}.sock`);
            // It answers the handshake as a server of another session protocol would.
            const server = net.createServer((s) => {
                s.once('data', () => s.end(`${JSON.stringify({ ok: false, reason: 'protocol', error: 'this session speaks session protocol 9', protocol: 9, serverVersion: '9.0.0' })}\n`));
            });
            await new Promise<void>((resolve) => server.listen(socketPath, resolve));
            try {
                fakeEntry(id, socketPath);
                const run = await cli(['--attach', id, '-e', '1']);
                assert.strictEqual(run.exited.code, 2, run.describe());
                assert.match(run.stderr, /^rbridge: cannot attach to R session f0f0f0f0f0f0 \(.*\): it runs R Bridge 9\.0\.0, which this rbridge cannot speak to \(this session speaks session protocol 9\)\n$/);
            } finally {
                server.close();
                removeFake(id);
            }
        });

        it('a socket that nobody listens on', async () => {
            const id = 'e0e0e0e0e0e0';
            const socketPath = path.join(runtime, `${id}.sock`);
            fs.writeFileSync(socketPath, '');
            try {
                fakeEntry(id, socketPath);
                const run = await cli(['--attach', id, '-e', '1']);
                assert.strictEqual(run.exited.code, 2, run.describe());
                assert.match(run.stderr, /^rbridge: cannot attach to R session e0e0e0e0e0e0 \(.*\): cannot connect to the session: .*\n$/);
            } finally {
                removeFake(id);
            }
        });

        it('no session at all, and a target that matches none', async () => {
            const empty = path.join(tmp, 'empty-runtime');
            fs.mkdirSync(empty, { mode: 0o700, recursive: true });
            const none = await cli(['--attach', '-e', '1'], { env: { RBRIDGE_RUNTIME_DIR: empty } });
            assert.strictEqual(none.exited.code, 2, none.describe());
            assert.strictEqual(none.stderr, 'rbridge: no R session is running (rbridge --session starts one for the current directory)\n');
            const list = await cli(['sessions', '--json'], { env: { RBRIDGE_RUNTIME_DIR: empty } });
            assert.deepStrictEqual(JSON.parse(list.stdout), []);

            const wrong = await cli(['--attach', '1', '-e', '1']);
            assert.strictEqual(wrong.exited.code, 2, wrong.describe());
            assert.match(wrong.stderr, /^rbridge: no R session matches '1' .*\nThe sessions running now:\nID .*\n/);
            assert.ok(wrong.stderr.includes(session.id), wrong.describe());
            const stop = await cli(['stop-session', '1']);
            assert.strictEqual(stop.exited.code, 2, stop.describe());
            assert.ok(isRunning(session.pid));
        });
    });

    // Mocha runs a block's own tests before its inner blocks: these come last, after every other use of the session.
    describe('stopping sessions', () => {
        it('--session starts a session for the directory, attaches to it the next time, and stop-session ends it', async () => {
            const folder = fs.realpathSync(fs.mkdtempSync(path.join(tmp, 'own-')));
            const first = await cli(['--session', '-e', 'z <- 5; cat(Sys.getpid(), "\\n")'], { cwd: folder });
            assert.strictEqual(first.exited.code, 0, first.describe());
            const started = /rbridge: started R session ([0-9a-f]{12}) for (\S+) \(pid (\d+);/.exec(first.stderr);
            assert.ok(started, first.describe());
            assert.strictEqual(started[2], folder);
            const pid = Number(started[3]);
            trackPid(pid);
            const rPid = Number(first.stdout.trim());
            trackPid(rPid);

            // The second time it attaches to that session: same R, same variables.
            const second = await cli(['--session', '-e', 'cat(z, Sys.getpid(), "\\n")'], { cwd: folder });
            assert.strictEqual(second.stdout, `5 ${rPid} \n`, second.describe());
            assert.doesNotMatch(second.stderr, /started R session/);

            const stop = await cli(['stop-session', folder]);
            assert.strictEqual(stop.exited.code, 0, stop.describe());
            assert.strictEqual(stop.stderr, `rbridge: stopped R session ${started[1]} (workspace ${folder})\n`);
            assert.ok(!isRunning(pid), 'the session server still runs');
            await until(() => !isRunning(rPid), 5000, 'R to end');
            assert.deepStrictEqual(
                listSessions().map((s) => s.id),
                [session.id],
            );
            assert.deepStrictEqual(
                fs.readdirSync(runtime).filter((f) => f.startsWith(started[1])),
                [],
            );
        });

        it('stop-session by pid stops the last one: R ends and the registry is empty', async () => {
            const rPid = entryOf(session.id)?.rPid;
            assert.ok(rPid, 'the session has no R');
            const stop = await cli(['stop-session', String(session.pid)]);
            assert.strictEqual(stop.exited.code, 0, stop.describe());
            assert.match(stop.stderr, new RegExp(`^rbridge: stopped R session ${session.id}`));
            await until(() => !isRunning(rPid), 5000, 'R to end');
            assert.deepStrictEqual(listSessions(), []);
            assert.deepStrictEqual(fs.readdirSync(runtime), []);
            const list = await cli(['sessions']);
            assert.strictEqual(list.stdout, '');
            assert.strictEqual(list.stderr, 'rbridge: no R session is running\n');
    
    });
});
});
