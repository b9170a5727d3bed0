/**
 * Detached sessions (`server.js --session`, docs/protocol.md "Detached
 * sessions") with real R: a session outlives a client killed with SIGKILL
 * (variables, packages and a running execution survive; the dead client's
 * queue is dropped and reported), several clients at once, the handshake
 * (wrong secret, another protocol, garbage, another Unix user), the private
 * files, stale registry entries, the idle timeout and r/stopSession.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { ExecuteResult, SessionInfoResult } from '../../common/protocol';
import { AttachError, attachSocket, findSession, listSessions, registryDir } from '../../common/sessions';
import { isRunning, rChildOf } from '../support/procs';
import { attach, privateRegistry, startSession, StartedSession, stopAllSessions } from '../support/sessions';
import { pollUntil, sleep } from '../support/time';
import { WireClient } from '../support/wireClient';

/**
 * A client in a process of its own (so that the test can SIGKILL it): it
 * attaches, runs `x <- 42; library(splines)`, then sends a long execution
 * and a second one behind it, and says "running" once the long one runs.
 */
const KILLABLE_CLIENT = `
const net = require('net'); const fs = require('fs');
const [socketPath, secretFile] = process.argv.slice(1);
const s = net.createConnection(socketPath);
let buf = Buffer.alloc(0); let handshook = false; let id = 0;
const send = (m) => { const b = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...m })); s.write('Content-Length: ' + b.length + '\\r\\n\\r\\n'); s.write(b); };
const request = (method, params) => send({ id: ++id, method, params });
s.on('connect', () => s.write('rbridge-attach 1 ' + fs.readFileSync(secretFile, 'utf8') + '\\n'));
s.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  if (!handshook) {
    const end = buf.indexOf(10); if (end < 0) return;
    handshook = true; buf = buf.subarray(end + 1);
    request('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    send({ method: 'initialized', params: {} });
    request('r/execute', { code: 'x <- 42; library(splines)' });
  }
  for (;;) {
    const h = buf.indexOf('\\r\\n\\r\\n'); if (h < 0) return;
    const len = Number(/Content-Length: (\\d+)/.exec(buf.subarray(0, h).toString())[1]);
    if (buf.length < h + 4 + len) return;
    const m = JSON.parse(buf.subarray(h + 4, h + 4 + len).toString()); buf = buf.subarray(h + 4 + len);
    if (m.id === 2) {
      request('r/execute', { code: 'Sys.sleep(3); cat("done\\\\n")', executionId: 'long' });
      request('r/execute', { code: 'cat("queued by the dead client\\\\n")', executionId: 'behind' });
    }
    if (m.method === 'r/executionState' && m.params.executionId === 'long' && m.params.state === 'running') process.stdout.write('running\\n');
  }
});
`;

describe('detached sessions (real R)', function () {
    this.timeout(60000);
    let registry: string;
    let workspace: string;
    const clients: WireClient[] = [];

    before(() => {
        registry = privateRegistry();
        workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-ws-'));
    });
    afterEach(async () => {
        for (const c of clients.splice(0)) await c.stop(3000).catch(() => undefined);
        await stopAllSessions();
    });
    after(() => {
        fs.rmSync(registry, { recursive: true, force: true });
        fs.rmSync(workspace, { recursive: true, force: true });
    });

    async function client(session: StartedSession, keep: string[] = []): Promise<WireClient> {
        const c = await attach(session, { keep: ['r/output', 'r/executionResult', ...keep] });
        clients.push(c);
        return c;
    }

    it('starts R as --launch says before its first client, which takes it; without --launch it waits for the client', async () => {
        const launched = await startSession({ workspace, launch: { cwd: workspace } });
        await pollUntil(() => rChildOf(launched.pid) !== undefined, 15000, 'R before any client');
        const early = rChildOf(launched.pid);
        const c = await attach(launched, { init: { cwd: workspace }, keep: ['r/output'] });
        clients.push(c);
        assert.strictEqual(c.kernelPid, early, 'the first client takes the R started before it');
        assert.strictEqual(await c.run('cat(getwd())'), fs.realpathSync(workspace));
        await stopAllSessions();
        const plain = await startSession({ workspace });
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.strictEqual(rChildOf(plain.pid), undefined, 'no guess without --launch');
    });

    it('keeps its files private and lists itself in the registry', async () => {
        const session = await startSession({ workspace });
        assert.strictEqual(registryDir(), registry);
        assert.strictEqual(fs.statSync(registry).mode & 0o777, 0o700, 'the registry folder is private');
        assert.strictEqual(fs.statSync(session.socket).mode & 0o777, 0o600, 'the socket is the user’s only');
        assert.strictEqual(fs.statSync(session.secretFile).mode & 0o777, 0o600, 'the secret is the user’s only');
        assert.match(fs.readFileSync(session.secretFile, 'utf8'), /^[0-9a-f]{64}$/);
        const c = await client(session);
        await c.execute('1');
        // The entry follows R's state within a second.
        await c.waitFor(() => listSessions()[0]?.rPid === c.kernelPid && listSessions()[0]?.state === 'idle', 3000, 'the entry to name R');
        const [entry] = listSessions();
        assert.strictEqual(entry.pid, session.pid);
        assert.strictEqual(entry.workspace, fs.realpathSync(workspace));
        assert.strictEqual(entry.clients, 1);
        assert.strictEqual(entry.trusted, false);
        assert.match(entry.rVersion ?? '', /^\d+\.\d+\.\d+$/);
        assert.strictEqual(findSession(workspace)?.id, session.id);
        assert.strictEqual(findSession(String(session.pid))?.id, session.id);
        assert.strictEqual(findSession(String(entry.rPid))?.id, session.id);
        const info = (await c.request<SessionInfoResult>('r/sessionInfo')).result!;
        assert.strictEqual(info.mode, 'session');
        assert.strictEqual(info.reattached, false);
        assert.strictEqual(info.serverPid, session.pid);
    });

    it('survives a client killed with SIGKILL: variables, packages and the running execution; the dead client’s queue is dropped and reported', async () => {
        const session = await startSession({ workspace });
        const killable = spawn(process.execPath, ['-e', KILLABLE_CLIENT, session.socket, session.secretFile], { stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('the killable client never saw its execution run')), 30000);
            killable.stdout!.on('data', (d: Buffer) => {
                if (d.toString().includes('running')) {
                    clearTimeout(timer);
                    resolve();
                }
            });
        });
        killable.kill('SIGKILL');
        await new Promise((resolve) => killable.once('exit', resolve));

        const c = await client(session);
        const rPid = c.kernelPid;
        assert.strictEqual(c.lastStatus()?.state, 'busy', 'the long execution still runs');
        const info = (await c.request<SessionInfoResult>('r/sessionInfo')).result!;
        assert.strictEqual(info.reattached, true);
        assert.strictEqual(info.running?.executionId, 'long');
        assert.deepStrictEqual(info.dropped, [{ executionId: 'behind', codePreview: 'cat("queued by the dead client\\n")' }]);
        // The running execution's output and result reach the new client.
        await c.waitFor(() => c.notifications.some((n) => n.method === 'r/executionResult'), 10000, 'the orphan’s result');
        const result = c.notifications.find((n) => n.method === 'r/executionResult')!.params as ExecuteResult;
        assert.strictEqual(result.executionId, 'long');
        assert.strictEqual(result.status, 'ok');
        assert.strictEqual(c.textOf('long'), 'done\n');
        assert.strictEqual(c.textOf('behind'), '', 'the dropped execution never ran');
        // R is the same, with its variables and packages.
        assert.strictEqual(await c.run('cat(x, "package:splines" %in% search(), Sys.getpid())'), `42 TRUE ${rPid}`);
        // Told once.
        assert.deepStrictEqual((await c.request<SessionInfoResult>('r/sessionInfo')).result!.dropped, []);
    });

    it('keeps what R printed while no client was attached, and gives it to the next client', async () => {
        const session = await startSession({ workspace });
        const a = await client(session);
        const ran = a.execute({ code: 'Sys.sleep(0.5); cat("while away\\n"); cat("to stderr\\n", file = stderr())', executionId: 'away' });
        void ran.catch(() => undefined);
        await a.waitFor(() => a.lastStatus()?.state === 'busy', 5000, 'busy');
        clients.splice(clients.indexOf(a), 1);
        await a.stop();
        // The execution ends with no client attached (the registry follows R's state).
        await a.waitFor(() => listSessions()[0]?.clients === 0 && listSessions()[0]?.state === 'idle', 10000, 'R idle with no client');
        const b = await client(session);
        await b.waitFor(() => b.textOf('away') === 'while away\n' && b.textOf('away', 'stderr') === 'to stderr\n', 5000, 'the backlog');
        const info = (await b.request<SessionInfoResult>('r/sessionInfo')).result!;
        assert.deepStrictEqual([info.backlogBytes, info.backlogDroppedBytes], ['while away\n'.length + 'to stderr\n'.length, 0], JSON.stringify(info));
        // Another client attaching now was sent none of it.
        const c = await client(session);
        assert.strictEqual((await c.request<SessionInfoResult>('r/sessionInfo')).result!.backlogBytes, 0);
    });

    it('serves two clients at once: output goes to both, each gets its own answers', async () => {
        const session = await startSession({ workspace });
        const a = await client(session);
        const b = await client(session);
        const result = await a.execute({ code: 'cat("for both\\n")', executionId: 'both' });
        assert.strictEqual(result.status, 'ok');
        await b.waitFor(() => b.textOf('both') === 'for both\n', 5000, 'the output at b');
        assert.strictEqual(a.textOf('both'), 'for both\n');
        assert.strictEqual(b.answerCount(result.executionId), 0);
        assert.strictEqual(await b.run('cat(2 + 2)'), '4');
        const info = (await b.request<SessionInfoResult>('r/sessionInfo')).result!;
        assert.strictEqual(info.clients, 2);
    });

    it('goes on with its output when a client that stopped reading dies', async () => {
        const session = await startSession({ workspace });
        const b = await client(session);
        // A client that reads nothing: R's output soon waits for it.
        const { socket } = await attachSocket(session);
        const stalled = new WireClient({ socket: { socket, pid: session.pid } });
        await stalled.initialize();
        socket.pause();
        // 60 MB: more than the server lets wait for a client (about 12 MB).
        const result = b.execute({ code: 'for (i in 1:60) cat(strrep("x", 1e6), "\\n")', executionId: 'flood' });
        // Time for all of it to go through, were nothing holding it back.
        await sleep(2000);
        const before = b.textOf('flood').length;
        assert.ok(before < 40_000_000, `the output waited for the stalled client (${before} bytes went through)`);
        socket.destroy();
        const done = await b.within(result, 20000, 'the execution to end once the stalled client is gone');
        assert.strictEqual(done.status, 'ok');
        await b.waitFor(() => b.textOf('flood').length === 60 * 1000002, 20000, 'all of the output at the other client');
    });

    it('refuses a wrong secret, another protocol and garbage, logs them, and goes on', async () => {
        const session = await startSession({ workspace });
        const badSecret = path.join(registry, 'wrong.secret');
        fs.writeFileSync(badSecret, '0'.repeat(64), { mode: 0o600 });
        await assert.rejects(attachSocket({ socket: session.socket, secretFile: badSecret }), (e: AttachError) => e.reason === 'secret' && /wrong secret/.test(e.message));
        const raw = async (bytes: string) =>
            new Promise<string>((resolve) => {
                const s = net.createConnection(session.socket, () => s.write(bytes));
                let text = '';
                s.on('data', (d) => (text += d.toString()));
                s.on('close', () => resolve(text));
                s.on('error', () => resolve(text));
            });
        const secret = fs.readFileSync(session.secretFile, 'utf8');
        const other = JSON.parse(await raw(`rbridge-attach 99 ${secret}\n`));
        assert.deepStrictEqual([other.ok, other.reason, other.protocol, other.serverVersion], [false, 'protocol', 1, '0.1.0']);
        assert.strictEqual(JSON.parse(await raw('Content-Length: 2\r\n\r\n{}')).reason, 'format');
        assert.strictEqual(JSON.parse(await raw(`\u0000\u00ff${'x'.repeat(600)}`)).reason, 'format');
        // The session's log is written asynchronously: the last refusal can reach it after its answer.
        const logFile = path.join(registry, `${session.id}.log`);
        const refusals = () => (fs.readFileSync(logFile, 'utf8').match(/connection refused/g) ?? []).length;
        for (const deadline = Date.now() + 5000; refusals() < 4 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
        const log = fs.readFileSync(logFile, 'utf8');
        assert.match(log, /connection refused: wrong secret/);
        assert.strictEqual((log.match(/connection refused/g) ?? []).length, 4, log);
        const c = await client(session);
        assert.strictEqual(await c.run('cat("still here")'), 'still here');
    });

    it('closes a connection that sends no handshake within 5 s', async function () {
        const session = await startSession({ workspace });
        const t0 = Date.now();
        const answer = await new Promise<string>((resolve) => {
            const s = net.createConnection(session.socket);
            let text = '';
            s.on('data', (d) => (text += d.toString()));
            s.on('close', () => resolve(text));
        });
        assert.strictEqual(JSON.parse(answer).reason, 'format');
        assert.ok(Date.now() - t0 >= 4500, `closed after ${Date.now() - t0} ms`);
    });

    it('cannot be reached by another Unix user', async function () {
        if (process.getuid?.() !== 0) this.skip();
        const session = await startSession({ workspace });
        // `nobody` tries the socket and the secret; the folder (0700) stops both.
        const probe = `
            const net = require('net'); const fs = require('fs');
            let secret; try { secret = fs.readFileSync(process.argv[2], 'utf8'); } catch (e) { secret = e.code; }
            const s = net.createConnection(process.argv[1]);
            s.on('connect', () => { console.log('connected ' + secret); process.exit(0); });
            s.on('error', (e) => { console.log(e.code + ' ' + secret); process.exit(0); });`;
        const out = await new Promise<string>((resolve) => {
            const p = spawn(process.execPath, ['-e', probe, session.socket, session.secretFile], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'inherit'], cwd: '/' });
            let text = '';
            p.stdout!.on('data', (d) => (text += d.toString()));
            p.on('exit', () => resolve(text.trim()));
        });
        assert.strictEqual(out, 'EACCES EACCES');
    });

    it('never trusts a workspace it was not started trusted for', async () => {
        fs.writeFileSync(path.join(workspace, '.Rprofile'), 'workspace_profile_ran <- TRUE\n');
        try {
            const untrusted = await startSession({ workspace });
            const c = await attach(untrusted, { keep: ['r/output'], init: { workspaceTrusted: true, cwd: workspace } });
            clients.push(c);
            assert.strictEqual(await c.run('cat(exists("workspace_profile_ran"))'), 'FALSE');
            // Started trusted, and asked by a trusted client: the profile runs.
            const trusted = await startSession({ workspace, trusted: true });
            const d = await attach(trusted, { keep: ['r/output'], init: { workspaceTrusted: true, cwd: workspace } });
            clients.push(d);
            assert.strictEqual(await d.run('cat(exists("workspace_profile_ran"))'), 'TRUE');
        } finally {
            fs.rmSync(path.join(workspace, '.Rprofile'));
        }
    });

    it('cleans stale registry entries: a dead server, a socket file without a server', async () => {
        fs.writeFileSync(path.join(registry, 'dead00000000.json'), JSON.stringify({ id: 'dead00000000', pid: 2 ** 22 + 12345, socket: path.join(registry, 'dead00000000.sock'), secretFile: 'x', workspace, started: '' }));
        fs.writeFileSync(path.join(registry, 'nosock000000.json'), JSON.stringify({ id: 'nosock000000', pid: process.pid, socket: path.join(registry, 'nosock000000.sock'), secretFile: 'x', workspace, started: '' }));
        fs.writeFileSync(path.join(registry, 'broken000000.json'), '{not json');
        const session = await startSession({ workspace });
        const live = listSessions();
        assert.deepStrictEqual(
            live.map((s) => s.id),
            [session.id],
        );
        const left = fs.readdirSync(registry).filter((f) => !f.startsWith(session.id) && f !== 'wrong.secret');
        assert.deepStrictEqual(left, [], 'the stale files are gone');
        // A socket whose server died without cleaning up cannot be attached: a clear error.
        process.kill(session.pid, 'SIGKILL');
        // Gone and reaped (a zombie still answers signal 0, as a live process does).
        await pollUntil(
            () => {
                try {
                    process.kill(session.pid, 0);
                    return false;
                } catch {
                    return true;
                }
            },
            5000,
            'the server gone',
        );
        await assert.rejects(attachSocket(session), (e: AttachError) => e.reason === 'unreachable');
        assert.deepStrictEqual(listSessions(), []);
    });

    it('stops itself after the idle timeout with no client, but not while R is busy', async () => {
        // 0.02 min = 1.2 s.
        const session = await startSession({ workspace, idleTimeout: 0.02 });
        const c = await client(session);
        const rPid = c.kernelPid!;
        void c.execute('Sys.sleep(2.5)').catch(() => undefined);
        await c.waitFor(() => c.lastStatus()?.state === 'busy', 5000, 'busy');
        clients.splice(clients.indexOf(c), 1);
        await c.stop();
        // Past the timeout (1.2 s), with R still busy: nothing may happen.
        await sleep(1800);
        assert.ok(isRunning(session.pid), 'a busy session is not stopped');
        const t0 = Date.now();
        while (isRunning(session.pid) && Date.now() - t0 < 10000) await sleep(50);
        assert.ok(!isRunning(session.pid), 'the idle session stopped');
        await pollUntil(() => !isRunning(rPid), 3000, 'R stopped with it');
        assert.deepStrictEqual(fs.readdirSync(registry).filter((f) => f.startsWith(session.id)), [], 'its files are gone');
    });

    it('r/stopSession ends R and the server and removes the session’s files', async () => {
        const session = await startSession({ workspace });
        const c = await client(session);
        const rPid = c.kernelPid!;
        const answer = await c.request('r/stopSession');
        assert.strictEqual(answer.result, null);
        await c.waitExit(8000);
        const t0 = Date.now();
        while ((isRunning(session.pid) || isRunning(rPid)) && Date.now() - t0 < 8000) await sleep(50);
        assert.ok(!isRunning(session.pid) && !isRunning(rPid), 'server and R are gone');
        assert.deepStrictEqual(listSessions(), []);
        assert.deepStrictEqual(fs.readdirSync(registry).filter((f) => f.startsWith(session.id)), []);
    });
});
