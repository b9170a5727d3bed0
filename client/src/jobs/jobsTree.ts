/**
 * The Jobs view: one row per background job, oldest first, with its state's
 * icon and a description that follows it (running time, progress, worker;
 * the result or the error once it ended). A failed job's row expands to its
 * error and the traceback's frames; a frame whose code is in a file or an
 * open document opens it at its line. While jobs run, their rows' running
 * time is redrawn every second (only while the view is visible).
 */
import * as vscode from 'vscode';
import type { JobInfo } from '../../../common/protocol';
import { JobEntry, JobsModel, elapsedOf } from './jobsModel';
import { errorLine, frameLabel, frameLocation, isEnded, jobDescription, jobTooltipLines } from './jobText';

export class JobNode {
    readonly kind = 'job';
    constructor(public entry: JobEntry) {}
    get info(): JobInfo {
        return this.entry.info;
    }
}

export class JobErrorNode {
    readonly kind = 'error';
    constructor(readonly parent: JobNode, readonly text: string) {}
}

export class JobFrameNode {
    readonly kind = 'frame';
    constructor(
        readonly parent: JobNode,
        readonly index: number,
        readonly frame: { call: string; file?: string; line?: number },
    ) {}

    /** The frame's code in its document, if it is known. */
    get location(): { uri: vscode.Uri; line: number } | undefined {
        const where = frameLocation(this.frame.file);
        if (!where || this.frame.line === undefined) return undefined;
        const uri = 'uri' in where ? vscode.Uri.parse(where.uri) : vscode.Uri.file(where.path);
        return { uri, line: this.frame.line };
    }
}

export type JobTreeNode = JobNode | JobErrorNode | JobFrameNode;

const ICONS: Record<JobInfo['state'], vscode.ThemeIcon> = {
    queued: new vscode.ThemeIcon('clock'),
    running: new vscode.ThemeIcon('sync~spin'),
    done: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
    error: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
    cancelled: new vscode.ThemeIcon('circle-slash'),
};

/** How often a running job's time is redrawn. */
const TICK_MS = 1000;

export class JobsTreeProvider implements vscode.TreeDataProvider<JobTreeNode>, vscode.Disposable {
    private readonly nodes = new Map<string, JobNode>();
    private readonly changeEmitter = new vscode.EventEmitter<JobTreeNode | undefined>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private ticker: ReturnType<typeof setInterval> | undefined;
    private visible = true;

    readonly onDidChangeTreeData = this.changeEmitter.event;

    constructor(private readonly model: JobsModel) {
        this.subscriptions.push(
            model.onDidChange((entry) => {
                if (entry && this.nodes.has(entry.info.jobId)) {
                    const node = this.nodes.get(entry.info.jobId)!;
                    node.entry = entry;
                    this.changeEmitter.fire(node);
                } else {
                    this.changeEmitter.fire(undefined);
                }
                this.tick();
            }),
            this.changeEmitter,
        );
    }

    /** The view's visibility: a hidden view is not redrawn every second. */
    watch(view: vscode.TreeView<JobTreeNode>): vscode.Disposable {
        this.visible = view.visible;
        return view.onDidChangeVisibility((e) => {
            this.visible = e.visible;
            this.tick();
        });
    }

    /** The row of a job, if the view lists it. */
    node(jobId: string): JobNode | undefined {
        return this.nodes.get(jobId);
    }

    getChildren(element?: JobTreeNode): JobTreeNode[] {
        if (!element) {
            const rows: JobNode[] = [];
            const seen = new Set<string>();
            for (const entry of this.model.list) {
                let node = this.nodes.get(entry.info.jobId);
                if (node) node.entry = entry;
                else node = new JobNode(entry);
                this.nodes.set(entry.info.jobId, node);
                seen.add(entry.info.jobId);
                rows.push(node);
            }
            for (const id of [...this.nodes.keys()]) if (!seen.has(id)) this.nodes.delete(id);
            return rows;
        }
        if (element.kind !== 'job' || element.info.state !== 'error') return [];
        const error = element.info.error;
        return [
            new JobErrorNode(element, errorLine(error)),
            ...(error?.traceback ?? []).map((frame, i) => new JobFrameNode(element, i, frame)),
        ];
    }

    getParent(element: JobTreeNode): JobTreeNode | undefined {
        return element.kind === 'job' ? undefined : element.parent;
    }

    getTreeItem(element: JobTreeNode): vscode.TreeItem {
        switch (element.kind) {
            case 'job':
                return jobItem(element);
            case 'error': {
                const item = new vscode.TreeItem(element.text, vscode.TreeItemCollapsibleState.None);
                item.id = `${element.parent.info.jobId}/error`;
                item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
                item.tooltip = element.parent.info.error?.message ?? element.text;
                item.contextValue = 'rbridge.jobError';
                return item;
            }
            case 'frame': {
                const { frame } = element;
                const item = new vscode.TreeItem(frame.call, vscode.TreeItemCollapsibleState.None);
                item.id = `${element.parent.info.jobId}/frame/${element.index}`;
                item.description = frameLabel(frame.file, frame.line);
                item.iconPath = new vscode.ThemeIcon('debug-stackframe');
                const location = element.location;
                if (location) {
                    const line = Math.max(0, location.line - 1);
                    item.command = {
                        command: 'vscode.open',
                        title: 'Open',
                        arguments: [location.uri, { selection: new vscode.Range(line, 0, line, 0), preview: false } satisfies vscode.TextDocumentShowOptions],
                    };
                    item.tooltip = `${frame.call}\n${location.uri.scheme === 'file' ? location.uri.fsPath : location.uri.toString()}:${location.line}`;
                } else {
                    item.tooltip = `${frame.call}\n(its code is not in a file)`;
                }
                item.contextValue = 'rbridge.jobFrame';
                return item;
            }
        }
    }

    /** Redraws running rows every second while the view shows any. */
    private tick(): void {
        const running = this.visible && this.model.list.some((e) => e.info.state === 'running');
        if (running && !this.ticker) {
            this.ticker = setInterval(() => {
                for (const node of this.nodes.values()) if (node.info.state === 'running') this.changeEmitter.fire(node);
                this.tick();
            }, TICK_MS);
        } else if (!running && this.ticker) {
            clearInterval(this.ticker);
            this.ticker = undefined;
        }
    }

    dispose(): void {
        if (this.ticker) clearInterval(this.ticker);
        for (const s of this.subscriptions) s.dispose();
    }
}

function jobItem(node: JobNode): vscode.TreeItem {
    const { info } = node;
    const elapsed = elapsedOf(node.entry);
    const item = new vscode.TreeItem(
        info.name,
        info.state === 'error' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = info.jobId;
    item.description = jobDescription(info, elapsed);
    item.iconPath = ICONS[info.state];
    const md = new vscode.MarkdownString();
    for (const line of jobTooltipLines(info, elapsed)) md.appendText(line).appendMarkdown('\n\n');
    item.tooltip = md;
    // view/item/context menus tell the states apart: rbridge.job.running, rbridge.job.done.assigned, ...
    item.contextValue = `rbridge.job.${info.state}${info.assignedTo ? '.assigned' : ''}${isEnded(info.state) ? '.ended' : ''}`;
    item.accessibilityInformation = { label: `${info.name}, ${item.description}` };
    return item;
}
