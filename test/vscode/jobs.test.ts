import * as assert from 'assert';
import * as vscode from 'vscode';
import type { JobInfo } from '../../common/protocol';
import type { RBridgeApi } from '../../client/src/api';
// Types only: the extension's objects come from its own bundle (rows are told apart by `kind`).
import type { JobFrameNode, JobNode, JobTreeNode } from '../../client/src/jobs/jobsTree';
import { EXTENSION_ID, consoleShows, openR, readyR, selectLines, waitUntil } from './helpers';

function command<T>(id: string, ...args: unknown[]): Thenable<T | undefined> {
    return vscode.commands.executeCommand<T | undefined>(id, ...args);
}

/** Waits until the job satisfies `accept`; returns what the view's model says of it. */
function jobWhen(r: RBridgeApi, jobId: string, accept: (info: JobInfo) => boolean, what: string, ms = 60_000): Promise<JobInfo> {
    return waitUntil(
        () => {
            const info = r.jobs.list().find((j) => j.jobId === jobId);
            return info && accept(info) ? info : undefined;
        },
        [r.jobs.onDidChange],
        `job ${jobId} ${what}`,
        ms,
    );
}

/** The Jobs view's row of a job, as VS Code asks for it. */
function row(r: RBridgeApi, jobId: string): { node: JobNode; item: vscode.TreeItem } {
    const node = (r.jobs.tree.getChildren(undefined) as JobTreeNode[]).find((n): n is JobNode => n.kind === 'job' && n.info.jobId === jobId);
    assert.ok(node, `the Jobs view lists ${jobId}`);
    return { node, item: r.jobs.tree.getTreeItem(node) };
}

function iconOf(item: vscode.TreeItem): string {
    return (item.iconPath as vscode.ThemeIcon).id;
}

/** Answers the next notification that offers `button` by pressing it. */
function pressNext(r: RBridgeApi, button: string): void {
    r.notices.answerWith((notice) => {
        if (!notice.actions.includes(button)) return undefined;
        r.notices.answerWith(undefined);
        return button;
    });
}

const PROGRESS_FILE = [
    'p <- progressr::progressor(steps = 5)',
    'for (i in 1:5) { Sys.sleep(0.4); p(message = paste("part", i)); cat("did part", i, "\\n") }',
    'data.frame(x = 1:4)',
];

const FAILING_FILE = ['f <- function(x) g(x)', 'g <- function(x) stop("no good: ", x)', 'y <- 41 + 1', 'f(y)'];

suite('Background jobs', () => {
    suiteSetup(async () => {
        await readyR();
    });
    teardown(() => {
        const r = vscode.extensions.getExtension<RBridgeApi>(EXTENSION_ID)?.exports;
        r?.notices.answerWith(undefined);
    });

    test('the settings reach the server, and the plan (R code) is a machine setting an untrusted workspace cannot set', async () => {
        const r = await readyR();
        assert.deepStrictEqual(r.nextInitializationOptions().jobs, { workers: 2, maxResultBytes: 1024 ** 3 });
        assert.deepStrictEqual(r.initializationOptions()?.jobs?.workers, 2);
        const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
            capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
            contributes: { configuration: { properties: Record<string, { scope?: string; default?: unknown }> }; views: Record<string, { id: string }[]> };
        };
        const properties = manifest.contributes.configuration.properties;
        assert.strictEqual(properties['rbridge.jobs.plan'].scope, 'machine');
        assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('rbridge.jobs.plan'));
        assert.strictEqual(properties['rbridge.jobs.workers'].default, 2);
        assert.strictEqual(properties['rbridge.jobs.maxResultSize'].default, 1024);
        assert.ok(manifest.contributes.views.rbridge.some((v) => v.id === 'rbridge.jobs'), 'the Jobs view is beside Variables');
    });

    test('runs a file as a job: the view shows it running with its progress, then done; its output; its result copied into the session', async () => {
        const r = await readyR();
        await openR('job_progress.R', PROGRESS_FILE);
        const jobId = await command<string>('rbridge.jobs.runFile');
        assert.ok(jobId, 'the command answers with the job id');
        assert.ok(r.jobs.list().some((j) => j.jobId === jobId && j.name === 'job_progress.R'), 'the job is named after its file');

        // Running, with progressr's progress in the row and in the status bar.
        const running = await jobWhen(r, jobId, (j) => j.state === 'running' && (j.progress?.amount ?? 0) >= 1, 'to run with progress');
        const { item } = row(r, jobId);
        assert.strictEqual(iconOf(item), 'sync~spin');
        assert.match(String(item.description), /^\d+ s · \d+% part \d/, String(item.description));
        assert.strictEqual(item.contextValue, 'rbridge.job.running', 'Cancel shows on a running row');
        assert.ok(running.worker, 'the worker is known while it runs');
        await waitUntil(
            () => r.jobs.progress().find((p) => p.jobId === jobId && /^\d+% part \d$/.test(p.message)),
            [r.jobs.onDidChange],
            'the progress in the status bar',
            10_000,
        );
        // The console stays free meanwhile.
        const quick = await r.execute('1 + 1');
        assert.strictEqual(quick.status, 'ok');

        // The output channel, opened while it runs: what was printed so far, then the rest live.
        assert.strictEqual(await command<string>('rbridge.jobs.showOutput', jobId), jobId);
        const done = await jobWhen(r, jobId, (j) => j.state === 'done', 'to be done');
        assert.deepStrictEqual(done.resultClass, ['data.frame']);
        const ended = row(r, jobId).item;
        assert.strictEqual(iconOf(ended), 'pass');
        assert.match(String(ended.description), /^done in \d+\.\d s · data\.frame, \d+(\.\d)? (B|KB)$/);
        assert.strictEqual(ended.contextValue, 'rbridge.job.done.ended', 'Copy Result shows on a done row');
        assert.ok(!r.jobs.progress().some((p) => p.jobId === jobId), 'the status bar progress goes when the job ends');
        const output = await waitUntil(
            () => {
                const text = r.jobs.output(jobId);
                return text?.includes('[done in') ? text : undefined;
            },
            [r.jobs.onDidWriteOutput],
            "the job's output to end",
            10_000,
        );
        assert.match(output, /^did part 1 \ndid part 2 \ndid part 3 \ndid part 4 \ndid part 5 \n {2}x\n1 1\n2 2\n3 3\n4 4\n\[done in \d+\.\d s: data\.frame/);

        // Its result, into the global environment: the variables view hears of it, and R has it.
        assert.strictEqual(await command<string>('rbridge.jobs.copyResult', jobId, 'job_df'), 'job_df');
        await waitUntil(() => r.variablesTree.rootNode('job_df'), [r.variablesTree.onDidChangeTreeData], 'job_df in the variables view');
        await r.execute('cat("job_df sum:", sum(job_df$x), "\\n")');
        await consoleShows(r, /job_df sum: 10 \n/);
        await jobWhen(r, jobId, (j) => j.assignedTo === 'job_df', 'to say where its result went');
        assert.match(String(row(r, jobId).item.description), /→ job_df$/);

        // A name R cannot take is refused before anything is sent.
        assert.strictEqual(await command('rbridge.jobs.copyResult', jobId, '2 bad'), undefined);
        assert.match(r.notices.all().at(-1)?.message ?? '', /not a syntactic R name/);
    });

    test('cancels a running job from the view: its row says so, and the worker is free for the next job', async () => {
        const r = await readyR();
        const editor = await openR('job_cancel.R', ['# a long job', 'Sys.sleep(60)', 'cat("never\\n")']);
        selectLines(editor, 1, 2);
        const jobId = await command<string>('rbridge.jobs.runSelection');
        assert.ok(jobId);
        await jobWhen(r, jobId, (j) => j.state === 'running' && j.worker !== undefined, 'to run on a worker');
        const { node } = row(r, jobId);
        // As the row's Cancel button passes it.
        assert.strictEqual(await command<boolean>('rbridge.jobs.cancel', node), true);
        const cancelled = await jobWhen(r, jobId, (j) => j.state === 'cancelled', 'to be cancelled', 10_000);
        assert.ok(cancelled.elapsedMs < 30_000, `cancelled after ${cancelled.elapsedMs} ms`);
        const item = row(r, jobId).item;
        assert.strictEqual(iconOf(item), 'circle-slash');
        assert.match(String(item.description), /^cancelled after /);
        assert.strictEqual(await command<boolean>('rbridge.jobs.cancel', jobId), false, 'an ended job is not cancelled again');
        // The next job runs.
        selectLines(editor, 2, 2);
        const next = await command<string>('rbridge.jobs.runSelection');
        const after = await jobWhen(r, next!, (j) => j.state === 'done' || j.state === 'error', 'to end', 60_000);
        assert.strictEqual(after.state, 'done', JSON.stringify(after));
        await command('rbridge.jobs.showOutput', next);
        await waitUntil(() => (r.jobs.output(next!)?.startsWith('never\n') ? true : undefined), [r.jobs.onDidWriteOutput], 'its output', 10_000);
    });

    test('a failed job: a notification, and its row expands to the error and the traceback; a frame opens its line', async () => {
        const r = await readyR();
        const editor = await openR('job_error.R', FAILING_FILE);
        const path = editor.document.uri.fsPath;
        const notified = new Promise<string[]>((resolve) => {
            r.notices.answerWith((notice) => {
                if (notice.severity === 'error' && /R job job_error\.R failed/.test(notice.message)) {
                    r.notices.answerWith(undefined);
                    resolve(notice.actions);
                }
                // Left unanswered: the test reads its buttons.
                return undefined;
            });
        });
        const jobId = await command<string>('rbridge.jobs.runFile');
        const info = await jobWhen(r, jobId!, (j) => j.state === 'error', 'to fail');
        assert.strictEqual(info.error?.message, 'no good: 42');
        assert.deepStrictEqual(await notified, ['Show Output', 'Go to Error']);
        const { node, item } = row(r, jobId!);
        assert.strictEqual(iconOf(item), 'error');
        assert.strictEqual(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
        assert.match(String(item.description), /^failed after \d+\.\d s · Error in g\(x\): no good: 42$/);
        const children = r.jobs.tree.getChildren(node) as JobTreeNode[];
        const shown = children.map((c) => {
            const i = r.jobs.tree.getTreeItem(c);
            return `${String(i.label)} | ${String(i.description ?? '')}`;
        });
        assert.deepStrictEqual(shown, [
            'Error in g(x): no good: 42 | ',
            'f(y) | job_error.R:4',
            'g(x) | job_error.R:1',
            'stop("no good: ", x) | job_error.R:2',
        ]);
        // Clicking the frame of stop() opens line 2 of the file.
        const frame = children[3] as JobFrameNode;
        const click = r.jobs.tree.getTreeItem(frame).command;
        assert.ok(click, 'a frame with a file and line opens it');
        const other = await openR('job_elsewhere.R', ['1']);
        assert.notStrictEqual(other.document.uri.fsPath, path);
        await vscode.commands.executeCommand(click.command, ...(click.arguments ?? []));
        await waitUntil(
            () => {
                const active = vscode.window.activeTextEditor;
                return active?.document.uri.fsPath === path && active.selection.active.line === 1 ? true : undefined;
            },
            [vscode.window.onDidChangeActiveTextEditor, vscode.window.onDidChangeTextEditorSelection],
            'job_error.R open at line 2',
            10_000,
        );
    });

    test('a selection job maps its error lines into the document, and one that missed a session variable runs again with them', async () => {
        const r = await readyR();
        const run = await r.execute('job_secret <- 41');
        assert.strictEqual(run.status, 'ok');
        const editor = await openR('job_selection.R', ['# setup', 'x <- 1', 'job_secret + 1', '']);
        const uri = editor.document.uri.toString();
        selectLines(editor, 2, 2);
        // The notification's "Run Again with Session Variables", pressed as a person would.
        pressNext(r, 'Run Again with Session Variables');
        const jobs = r.jobs.list().length;
        const clean = await command<string>('rbridge.jobs.runSelection', { copyGlobals: false });
        const failed = await jobWhen(r, clean!, (j) => j.state === 'error', 'to fail in a clean R');
        assert.match(failed.error?.message ?? '', /object 'job_secret' not found/);
        assert.deepStrictEqual(
            failed.error?.traceback?.map((f) => [f.call, f.file, f.line]),
            [['job_secret + 1', uri, 3]],
            'the line is the document’s (1-based), the file its uri',
        );
        const [frame] = (r.jobs.tree.getChildren(row(r, clean!).node) as JobTreeNode[]).filter((c) => c.kind === 'frame');
        assert.strictEqual(r.jobs.tree.getTreeItem(frame).description, 'job_selection.R:3');
        // The second job, with the session's job_secret.
        const retried = await waitUntil(() => r.jobs.list().slice(jobs).find((j) => j.jobId !== clean), [r.jobs.onDidChange], 'the job started again', 10_000);
        const done = await jobWhen(r, retried.jobId, (j) => j.state === 'done' || j.state === 'error', 'to end');
        assert.strictEqual(done.state, 'done', JSON.stringify(done));
        assert.strictEqual(await command<string>('rbridge.jobs.copyResult', retried.jobId, 'job_sum'), 'job_sum');
        await r.execute('cat("job_sum is", job_sum, "\\n")');
        await consoleShows(r, /job_sum is 42 \n/);
    });

    test('Clear Finished Jobs forgets the ended jobs; after the window lets go of its session and attaches again, the view lists its jobs', async function () {
        const r = await readyR();
        const editor = await openR('job_keep.R', ['Sys.sleep(0.2); 7']);
        selectLines(editor, 0, 0);
        const kept = await command<string>('rbridge.jobs.runSelection');
        await jobWhen(r, kept!, (j) => j.state === 'done', 'to be done');
        const ended = r.jobs.list().filter((j) => ['done', 'error', 'cancelled'].includes(j.state)).map((j) => j.jobId);
        const cleared = await command<string[]>('rbridge.jobs.clear');
        assert.deepStrictEqual([...(cleared ?? [])].sort(), [...ended].sort());
        assert.deepStrictEqual(r.jobs.tree.getChildren(undefined), [], 'the view is empty');

        if (!r.sessions.attached()) {
            // R runs inside the window (no detached session): nothing to reattach to.
            this.skip();
        }
        selectLines(editor, 0, 0);
        const survivor = await command<string>('rbridge.jobs.runSelection');
        await jobWhen(r, survivor!, (j) => j.state === 'done', 'to be done');
        assert.strictEqual(await r.testing.detach(), true);
        await waitUntil(() => (r.jobs.list().length === 0 ? true : undefined), [r.jobs.onDidChange], 'the view to empty when the window lets go', 10_000);
        await r.kernelReady();
        const back = await waitUntil(() => r.jobs.list().find((j) => j.jobId === survivor), [r.jobs.onDidChange], 'the job listed again (r/job/list)', 30_000);
        assert.strictEqual(back.state, 'done');
        assert.strictEqual(await command<string>('rbridge.jobs.copyResult', survivor, 'job_back'), 'job_back');
        await r.execute('cat("job_back is", job_back, "\\n")');
        await consoleShows(r, /job_back is 7 \n/);
    });
});
