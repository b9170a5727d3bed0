/**
 * Background jobs in VS Code (docs/vscode.md "Background jobs"): the parts
 * put together. The model (jobsModel.ts) speaks to the server; the Jobs view
 * (jobsTree.ts), each job's output channel (jobOutput.ts) and the status
 * bar's progress (jobProgress.ts) follow it; this file adds what is said
 * when a job ends, and is what the commands (jobCommands.ts), the extension
 * and its API see.
 */
import * as vscode from 'vscode';
import type { JobInfo, JobStartParams } from '../../../common/protocol';
import type { Notifier } from '../notifier';
import type { RSession } from '../session';
import { JobOutputs } from './jobOutput';
import { JobProgress } from './jobProgress';
import { JobEntry, JobsModel } from './jobsModel';
import { JobFrameNode, JobNode, JobTreeNode, JobsTreeProvider } from './jobsTree';
import { errorLine, looksLikeMissingGlobal, resultText } from './jobText';

export const JOBS_VIEW_ID = 'rbridge.jobs';

/** The buttons of a failed job's notification. */
export const SHOW_OUTPUT = 'Show Output';
export const GO_TO_ERROR = 'Go to Error';
export const RUN_WITH_VARIABLES = 'Run Again with Session Variables';

export class Jobs implements vscode.Disposable {
    readonly model: JobsModel;
    readonly tree: JobsTreeProvider;
    readonly outputs: JobOutputs;
    readonly progress: JobProgress;
    private readonly view: vscode.TreeView<JobTreeNode>;
    private readonly subscriptions: vscode.Disposable[] = [];

    constructor(
        session: RSession,
        private readonly notifier: Notifier,
        log: vscode.LogOutputChannel,
    ) {
        this.model = new JobsModel(session, log);
        this.tree = new JobsTreeProvider(this.model);
        this.outputs = new JobOutputs(this.model, log);
        this.progress = new JobProgress(this.model);
        this.view = vscode.window.createTreeView(JOBS_VIEW_ID, { treeDataProvider: this.tree });
        this.subscriptions.push(
            this.view,
            this.tree.watch(this.view),
            this.model.onDidEnd((entry) => void this.ended(entry)),
            this.model.onDidChange(() => this.updateBadge()),
            this.progress,
            this.outputs,
            this.tree,
            this.model,
        );
    }

    get list(): JobEntry[] {
        return this.model.list;
    }

    /** Starts a job and shows it in the Jobs view (without taking the focus). */
    async start(params: JobStartParams): Promise<JobEntry> {
        const entry = await this.model.start(params);
        await this.reveal(entry);
        return entry;
    }

    /** Shows the Jobs view with the job's row (opening the view if it is collapsed or hidden). */
    async reveal(entry: JobEntry): Promise<void> {
        // The row reveal() looks for is the one getChildren() gives.
        const node = this.tree.getChildren().find((n): n is JobNode => n.kind === 'job' && n.info.jobId === entry.info.jobId);
        if (!node) return;
        try {
            await this.view.reveal(node, { select: false, focus: false });
        } catch {
            // A view that cannot show now (the window is closing) is no error of the job's.
        }
    }

    showOutput(entry: JobEntry, preserveFocus = true): Promise<void> {
        return this.outputs.show(entry, preserveFocus);
    }

    /** Opens the innermost frame of a failed job's traceback whose code is known. */
    async goToError(entry: JobEntry): Promise<boolean> {
        const node = this.tree.node(entry.info.jobId) ?? new JobNode(entry);
        const frames = this.tree.getChildren(node).filter((n): n is JobFrameNode => n.kind === 'frame');
        const located = frames.reverse().find((f) => f.location);
        const location = located?.location;
        if (!location) return false;
        const line = Math.max(0, location.line - 1);
        await vscode.window.showTextDocument(location.uri, { selection: new vscode.Range(line, 0, line, 0), preview: false });
        return true;
    }

    /** The count of running jobs on the view's badge. */
    private updateBadge(): void {
        const running = this.model.list.filter((e) => e.info.state === 'running').length;
        this.view.badge = running ? { value: running, tooltip: `${running} background ${running === 1 ? 'job' : 'jobs'} running` } : undefined;
    }

    /**
     * What is said when a job ends: a failure gets a notification (its
     * output, its error's line, and for a job started clean that missed a
     * variable, a run with the session's variables); a result that is not
     * assigned yet a status bar message; a cancel, or a result assigned as
     * asked, nothing beyond the view.
     */
    private async ended(entry: JobEntry): Promise<void> {
        const { info } = entry;
        if (info.state === 'done') {
            if (!entry.started?.resultName && !info.assignedTo) {
                const result = resultText(info);
                this.notifier.status(`R job ${info.name} is done${result ? `: ${result}` : ''}.`);
            }
            return;
        }
        if (info.state !== 'error') return;
        const actions = [SHOW_OUTPUT];
        if (info.error?.traceback?.some((f) => f.file && f.line !== undefined && !f.file.startsWith('<'))) actions.push(GO_TO_ERROR);
        const retry = entry.started && !entry.started.copyGlobals && looksLikeMissingGlobal(info.error) ? entry.started : undefined;
        if (retry) actions.push(RUN_WITH_VARIABLES);
        const chosen = await this.notifier.show('error', `R job ${info.name} failed: ${errorLine(info.error)}`, ...actions);
        const now = this.model.get(info.jobId) ?? entry;
        if (chosen === SHOW_OUTPUT) await this.showOutput(now, false);
        else if (chosen === GO_TO_ERROR) await this.goToError(now);
        else if (chosen === RUN_WITH_VARIABLES && retry) await this.start({ ...retry, copyGlobals: true });
    }

    /** What the API gives tests. */
    api() {
        return {
            list: (): JobInfo[] => this.model.list.map((e) => e.info),
            tree: this.tree,
            output: (jobId: string) => this.outputs.text(jobId),
            progress: () => this.progress.messages,
            onDidChange: this.model.onDidChange as vscode.Event<unknown>,
            onDidWriteOutput: this.outputs.onDidWrite,
        };
    }

    dispose(): void {
        for (const s of this.subscriptions) s.dispose();
    }
}
