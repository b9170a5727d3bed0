/**
 * The client going away: when the server's stdin closes (or both of its
 * pipes break, as when the client is killed), queued executions are
 * dropped unevaluated, the running one is interrupted, R exits, and the
 * server exits with code 0 within a few seconds, leaving no process
 * behind. Each situation runs on its own server, a few times over.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { OutputParams } from '../../common/protocol';
import { descendantsOf, isRunning, kernelFolderOf, whatIsItDoing } from '../support/procs';
import { WireClient } from '../support/wireClient';
import { armSuiteDeadline, report } from './harness';
import { fmt } from '../support/stats';

/** The server promises to be gone within 4 s; a little more for a loaded machine. */
const EXIT_WITHIN_MS = 6000;
const REPEATS = 3;

interface Situation {
    name: string;
    /** Puts the session in the situation; returns pids (besides the server's descendants) that must be gone afterwards. */
    prepare(client: WireClient, dir: string): Promise<number[] | void>;
    /** How the client goes away. */
    leave: 'stdin' | 'both pipes';
    /** Checks after the server exited. */
    check?(dir: string): void;
}

const rString = (s: string) => JSON.stringify(s);

const SITUATIONS: Situation[] = [
    {
        name: 'idle',
        prepare: async (c) => {
            assert.strictEqual((await c.execute('x <- 1')).status, 'ok');
        },
        leave: 'stdin',
    },
    {
        name: 'running, with executions queued',
        prepare: async (c, dir) => {
            // The running one notes that it was interrupted; the queued one
            // would leave a file if it ever ran. The client leaves once R runs
            // the code (an interrupt before that, as in R's console, means
            // the code never starts).
            const started = path.join(dir, 'started');
            void c.request('r/execute', {
                code: `tryCatch({ file.create(${rString(started)}); Sys.sleep(100) }, interrupt = function(e) writeLines("interrupted", ${rString(path.join(dir, 'interrupted'))}))`,
                executionId: 'running',
            });
            for (let i = 0; i < 5; i++) void c.request('r/execute', { code: `writeLines("ran", ${rString(path.join(dir, `queued-${i}`))})` });
            await c.waitFor(() => fs.existsSync(started), 10000, 'the running execution to start');
        },
        leave: 'stdin',
        check: (dir) => {
            assert.ok(fs.existsSync(path.join(dir, 'interrupted')), 'the running execution was interrupted');
            assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.startsWith('queued')), [], 'queued executions were dropped');
        },
    },
    {
        name: 'running, the client killed (both pipes break)',
        prepare: async (c) => {
            void c.request('r/execute', { code: 'for (i in 1:1e9) cat(i, "\\n")' });
            await c.waitFor(() => c.count('r/output') > 0, 10000, 'output');
        },
        leave: 'both pipes',
    },
    {
        name: 'R ignoring interrupts',
        prepare: async (c) => {
            void c.request('r/execute', { code: 'repeat tryCatch(Sys.sleep(1), interrupt = function(e) NULL)' });
            await c.waitFor(() => c.lastStatus()?.state === 'busy', 10000, 'busy');
        },
        leave: 'stdin',
    },
    {
        name: 'R waiting for console input',
        prepare: async (c) => {
            let asked = false;
            // The client never answers: it goes away instead.
            c.onServerRequest = () => {
                asked = true;
                return { result: undefined };
            };
            void c.request('r/execute', { code: 'readline("? ")' });
            await c.waitFor(() => asked, 10000, 'r/input');
        },
        leave: 'stdin',
    },
    {
        name: 'R with a background child process',
        prepare: async (c) => {
            // A shell's background job is reparented at once: it is never a
            // descendant of the server, so its pid is asked for.
            const result = await c.execute({ code: 'cat(system("sleep 300 > /dev/null 2>&1 & echo $!", intern = TRUE))', executionId: 'background' });
            assert.strictEqual(result.status, 'ok');
            const text = c.notifications
                .map((n) => n.params as OutputParams)
                .filter((o) => o.executionId === 'background' && o.stream === 'stdout')
                .map((o) => o.text)
                .join('');
            return [Number(text.trim())];
        },
        leave: 'stdin',
    },
];

describe('stress: the client going away', function () {
    this.timeout(120_000);
    before(() => armSuiteDeadline());

    /**
     * The kernel's private folder (/tmp/rbridge-XXXXXX) is removed when R
     * exits, before the server does: an asynchronous removal would lose the
     * race against process.exit(), and folders would pile up in /tmp.
     */
    it('leaves no kernel folder behind in the temporary directory', async () => {
        const c = await WireClient.start();
        let folder: string | undefined;
        try {
            folder = kernelFolderOf(c.kernelPid!);
            assert.ok(folder, "the kernel channel was found among R's descriptors");
            assert.ok(fs.existsSync(folder));
            c.child!.stdin!.end();
            await c.waitExit(EXIT_WITHIN_MS);
            assert.strictEqual(c.exitCode, 0);
            assert.ok(!fs.existsSync(folder), `${folder} is left behind`);
        } finally {
            if (c.exitCode === undefined) await c.stop();
            // This test's own leftover, if the bug left one.
            if (folder) fs.rmSync(folder, { recursive: true, force: true });
        }
    });

    for (const s of SITUATIONS) {
        it(`${s.name}: the server exits 0 within ${EXIT_WITHIN_MS / 1000} s and leaves no process`, async () => {
            const times: number[] = [];
            for (let round = 0; round < REPEATS; round++) {
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-gone-'));
                const c = await WireClient.start({ keep: ['r/output'] });
                // Removed here after the test should the server fail to.
                const folder = kernelFolderOf(c.kernelPid!);
                try {
                    const extra = (await s.prepare(c, dir)) ?? [];
                    const processes = [c.kernelPid!, ...descendantsOf(c.pid), ...extra];
                    const t0 = performance.now();
                    if (s.leave === 'stdin') {
                        c.child!.stdin!.end();
                    } else {
                        c.child!.stdin!.destroy();
                        c.child!.stdout!.destroy();
                    }
                    await c.waitExit(EXIT_WITHIN_MS).catch((e: Error) => Promise.reject(new Error(`${e.message}; the server is ${whatIsItDoing(c.pid)}`)));
                    times.push(performance.now() - t0);
                    assert.strictEqual(c.exitCode, 0, `exit code ${c.exitCode} (signal ${c.exitSignal}); stderr: ${c.stderr.slice(-500)}`);
                    // R is stopped before the server exits; its own children may
                    // take a moment to be reaped.
                    await c.waitFor(() => !processes.some(isRunning), 2000, 'every process to be gone').catch(() => undefined);
                    const left = processes.filter(isRunning);
                    for (const pid of left) process.kill(pid, 'SIGKILL');
                    assert.deepStrictEqual(
                        left.map((pid) => `${pid}`),
                        [],
                        `processes left behind: ${left.map((p) => `${p} (${fs.existsSync(`/proc/${p}/cmdline`) ? fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() : '?'})`).join(', ')}`,
                    );
                    s.check?.(dir);
                } finally {
                    if (c.exitCode === undefined) await c.stop();
                    fs.rmSync(dir, { recursive: true, force: true });
                    if (folder) fs.rmSync(folder, { recursive: true, force: true });
                }
            }
            report(`${s.name}: server exit after ${times.map((t) => fmt(t / 1000)).join(', ')} s`);
        });
    }
});
