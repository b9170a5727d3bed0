/**
 * The variables view: R's global environment as a tree.
 *
 * The top level mirrors the server's cache, kept current by
 * r/symbolsChanged, so it is there at once and stays usable while R is busy;
 * only the rows that changed are refreshed. Children (list elements, data
 * frame columns, environment bindings, S4 slots) are asked from R when a row
 * is expanded, a page at a time, with a "Show more…" row after each page:
 * a list of a million elements costs one page. While R runs code, the
 * server keeps such a request in its queue and answers it once the code
 * before it is done: the row shows VS Code's usual loading state until
 * then. A request whose row changes or goes meanwhile is cancelled.
 */
import * as vscode from 'vscode';
import {
    KernelNotRunningError,
    KernelStartFailedError,
    MAX_VARIABLES_PAGE,
    SymbolsChangedParams,
    Variable,
} from '../../common/protocol';
import { compareNames } from '../../common/names';
import { formatBytes } from './rNames';
import { RSession, errorCode, errorMessage } from './session';

/** Children asked from R per page. */
export const CHILD_PAGE = Math.min(100, MAX_VARIABLES_PAGE);
/** Top-level rows shown per page (they come from memory, so pages are larger). */
export const ROOT_PAGE = 500;

export class VariableNode {
    readonly kind = 'variable';
    /** The children loaded so far, once asked for. */
    page: { children: VariableNode[]; total: number } | undefined;
    /** Bumped when the value changes, so that an answer about the old value is dropped. */
    generation = 0;
    loading: Promise<VariableTreeNode[]> | undefined;

    constructor(public variable: Variable, readonly parent: VariableNode | undefined) {}

    get id(): string {
        return JSON.stringify(this.variable.path);
    }
}

/** The "Show more…" row after a page. */
export class MoreNode {
    readonly kind = 'more';
    constructor(readonly parent: VariableNode | undefined, readonly shown: number, readonly total: number) {}
}

/** A row that is not a value: R is not running, listing failed. */
export class MessageNode {
    readonly kind = 'message';
    constructor(readonly parent: VariableNode, readonly text: string, readonly reason: 'notRunning' | 'failed') {}
}

export type VariableTreeNode = VariableNode | MoreNode | MessageNode;

export class VariablesTreeProvider implements vscode.TreeDataProvider<VariableTreeNode>, vscode.Disposable {
    private readonly changeEmitter = new vscode.EventEmitter<VariableTreeNode | VariableTreeNode[] | undefined>();
    readonly onDidChangeTreeData = this.changeEmitter.event;
    private readonly roots = new Map<string, VariableNode>();
    private sortedRoots: VariableNode[] | undefined;
    private rootLimit = ROOT_PAGE;
    /** Requests for children not answered yet, by the row they are for: cancelled when it changes or goes. */
    private readonly inFlight = new Map<VariableNode, { source: vscode.CancellationTokenSource; generation: number }>();
    private readonly subscriptions: vscode.Disposable[] = [];

    constructor(private readonly session: RSession) {
        this.subscriptions.push(session.onSymbolsChanged((p) => this.apply(p)), this.changeEmitter);
    }

    /** The global environment's variables, sorted as the server sorts them. */
    get variables(): Variable[] {
        return this.sorted().map((node) => node.variable);
    }

    /** The top-level row of a variable, if there is one. */
    rootNode(name: string): VariableNode | undefined {
        return this.roots.get(name);
    }

    private apply(p: SymbolsChangedParams): void {
        if (p.reset) {
            this.roots.clear();
            this.cancelStale();
            this.rootLimit = ROOT_PAGE;
            for (const v of p.added) this.roots.set(v.name, new VariableNode(v, undefined));
            this.sortedRoots = undefined;
            this.changeEmitter.fire(undefined);
            return;
        }
        let structural = false;
        const changed: VariableNode[] = [];
        for (const name of p.removed) {
            const node = this.roots.get(name);
            if (!node) continue;
            this.roots.delete(name);
            structural = true;
        }
        for (const v of [...p.added, ...p.changed]) {
            const node = this.roots.get(v.name);
            if (node) {
                // Same row, new value: its children are asked again when shown.
                node.variable = v;
                node.page = undefined;
                node.loading = undefined;
                node.generation++;
                changed.push(node);
            } else {
                this.roots.set(v.name, new VariableNode(v, undefined));
                structural = true;
            }
        }
        this.cancelStale();
        if (structural) {
            this.sortedRoots = undefined;
            this.changeEmitter.fire(undefined);
        } else if (changed.length) {
            this.changeEmitter.fire(changed);
        }
    }

    private sorted(): VariableNode[] {
        this.sortedRoots ??= [...this.roots.values()].sort((a, b) => compareNames(a.variable.name, b.variable.name));
        return this.sortedRoots;
    }

    /** Whether a row is still shown: its root is in the list, and no value above it changed since it was made. */
    private isCurrent(node: VariableNode): boolean {
        for (let row = node; ; row = row.parent) {
            if (!row.parent) return this.roots.get(row.variable.name) === row;
            if (!row.parent.page?.children.includes(row)) return false;
        }
    }

    /** Cancels the requests for rows that are no longer shown, or whose value changed. */
    private cancelStale(): void {
        for (const [node, request] of this.inFlight) {
            if (this.isCurrent(node) && node.generation === request.generation) continue;
            request.source.cancel();
            this.inFlight.delete(node);
        }
    }

    /** r/variables for a row's children (one request per row at a time), cancellable while it waits. */
    private async children(node: VariableNode, start: number): Promise<{ variables: Variable[]; total: number }> {
        const source = new vscode.CancellationTokenSource();
        const request = { source, generation: node.generation };
        this.inFlight.set(node, request);
        try {
            return await this.session.variables({ path: node.variable.path, start, count: CHILD_PAGE }, source.token);
        } finally {
            if (this.inFlight.get(node) === request) this.inFlight.delete(node);
            source.dispose();
        }
    }

    // -----------------------------------------------------------------------
    // TreeDataProvider

    getChildren(element?: VariableTreeNode): VariableTreeNode[] | Promise<VariableTreeNode[]> {
        if (!element) {
            const all = this.sorted();
            const shown: VariableTreeNode[] = all.slice(0, this.rootLimit);
            if (all.length > this.rootLimit) shown.push(new MoreNode(undefined, this.rootLimit, all.length));
            return shown;
        }
        if (element.kind !== 'variable' || !element.variable.hasChildren) return [];
        if (element.page) return this.pageRows(element);
        element.loading ??= this.loadFirstPage(element);
        return element.loading;
    }

    getParent(element: VariableTreeNode): VariableTreeNode | undefined {
        return element.parent;
    }

    getTreeItem(element: VariableTreeNode): vscode.TreeItem {
        switch (element.kind) {
            case 'variable':
                return variableItem(element);
            case 'more': {
                const item = new vscode.TreeItem('Show more…', vscode.TreeItemCollapsibleState.None);
                item.id = `${element.parent ? element.parent.id : 'root'}#more`;
                item.description = `${element.shown.toLocaleString('en-US')} of ${element.total.toLocaleString('en-US')}`;
                item.iconPath = new vscode.ThemeIcon('ellipsis');
                item.contextValue = 'rbridge.variables.more';
                item.command = { command: 'rbridge.variables.showMore', title: 'Show More', arguments: [element] };
                return item;
            }
            case 'message': {
                const item = new vscode.TreeItem(element.text, vscode.TreeItemCollapsibleState.None);
                item.id = `${element.parent.id}#message`;
                item.iconPath = new vscode.ThemeIcon(element.reason === 'notRunning' ? 'debug-disconnect' : 'warning');
                item.contextValue = 'rbridge.variables.message';
                item.tooltip = element.reason === 'notRunning' ? 'R is not running. Click to try again once it is.' : 'Click to try again.';
                item.command = { command: 'rbridge.variables.retry', title: 'Try Again', arguments: [element.parent] };
                return item;
            }
        }
    }

    // -----------------------------------------------------------------------
    // Paging

    private pageRows(node: VariableNode): VariableTreeNode[] {
        const page = node.page!;
        const rows: VariableTreeNode[] = [...page.children];
        if (page.children.length < page.total) rows.push(new MoreNode(node, page.children.length, page.total));
        return rows;
    }

    private async loadFirstPage(node: VariableNode): Promise<VariableTreeNode[]> {
        const generation = node.generation;
        try {
            const result = await this.children(node, 0);
            if (node.generation !== generation) return [];
            node.page = { children: result.variables.map((v) => new VariableNode(v, node)), total: result.total };
            return this.pageRows(node);
        } catch (e) {
            if (node.generation !== generation) return [];
            return [this.failure(node, e)];
        } finally {
            if (node.generation === generation) node.loading = undefined;
        }
    }

    private failure(node: VariableNode, e: unknown): MessageNode {
        switch (errorCode(e)) {
            case KernelNotRunningError:
            case KernelStartFailedError:
                // No R, or R died (or restarted) while the request waited.
                return new MessageNode(node, 'R is not running', 'notRunning');
            default:
                return new MessageNode(node, `Cannot list the contents: ${errorMessage(e)}`, 'failed');
        }
    }

    /** "Show more…": the next page of a row's children (or of the top level). */
    async showMore(more: MoreNode): Promise<void> {
        const parent = more.parent;
        if (!parent) {
            this.rootLimit += ROOT_PAGE;
            this.changeEmitter.fire(undefined);
            return;
        }
        const page = parent.page;
        // A page already on its way (a second click): that one is enough.
        if (!page || this.inFlight.has(parent)) return;
        const generation = parent.generation;
        try {
            const result = await this.children(parent, page.children.length);
            if (parent.generation !== generation || parent.page !== page) return;
            page.children.push(...result.variables.map((v) => new VariableNode(v, parent)));
            page.total = result.total;
            this.changeEmitter.fire(parent);
        } catch (e) {
            if (parent.generation !== generation || parent.page !== page) return;
            const code = errorCode(e);
            const message = code === KernelNotRunningError || code === KernelStartFailedError ? 'R is not running.' : `Cannot list more: ${errorMessage(e)}`;
            void vscode.window.showWarningMessage(message);
        }
    }

    /** Asks again for the children of a row that could not be listed. */
    retry(node: VariableNode): void {
        node.page = undefined;
        node.loading = undefined;
        this.changeEmitter.fire(node);
    }

    dispose(): void {
        for (const s of this.subscriptions) s.dispose();
    }
}

function variableItem(node: VariableNode): vscode.TreeItem {
    const v = node.variable;
    const item = new vscode.TreeItem(v.name, v.hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = describe(v);
    item.iconPath = new vscode.ThemeIcon(iconName(v));
    item.contextValue = node.parent ? 'rbridge.variable.child' : 'rbridge.variable.global';
    item.tooltip = tooltip(v);
    return item;
}

/** "data.frame [150 × 5] · 6.1 KB  150 obs. of 5 variables" */
export function describe(v: Variable): string {
    const parts = [kindLabel(v) + shapeLabel(v)];
    if (v.size !== undefined) parts.push(formatBytes(v.size));
    return `${parts.join(' · ')}  ${v.summary}`;
}

function kindLabel(v: Variable): string {
    const cls = v.class.find((c) => c !== '');
    return cls ?? v.type;
}

function shapeLabel(v: Variable): string {
    if (v.dim?.length) return ` [${v.dim.map((d) => d.toLocaleString('en-US')).join(' × ')}]`;
    if (v.length === null || v.type === 'closure' || v.type === 'builtin' || v.type === 'special') return '';
    if (v.length === 1 && v.type !== 'list' && v.type !== 'environment') return '';
    return ` [${v.length.toLocaleString('en-US')}]`;
}

function tooltip(v: Variable): vscode.MarkdownString {
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMarkdown(v.name)}**\n\n`);
    md.appendMarkdown(`class: \`${v.class.join(', ') || v.type}\` · type: \`${v.type}\`\n\n`);
    if (v.dim) md.appendMarkdown(`dimensions: ${v.dim.join(' × ')}\n\n`);
    else if (v.length !== null) md.appendMarkdown(`length: ${v.length.toLocaleString('en-US')}\n\n`);
    if (v.size !== undefined) md.appendMarkdown(`size: ${formatBytes(v.size)}\n\n`);
    md.appendCodeblock(v.summary, 'r');
    return md;
}

function escapeMarkdown(text: string): string {
    return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** A codicon for the kind of value. */
export function iconName(v: Variable): string {
    const cls = v.class;
    switch (v.type) {
        case 'promise':
            return 'watch';
        case 'active':
            return 'zap';
        case 'unknown':
            return 'question';
        case 'closure':
        case 'builtin':
        case 'special':
            return 'symbol-method';
        case 'environment':
            return cls.includes('R6') ? 'symbol-class' : 'symbol-namespace';
        case 'S4':
            return 'symbol-class';
        case 'NULL':
            return 'circle-slash';
    }
    if (cls.includes('data.frame')) return 'table';
    if (cls.includes('factor')) return 'symbol-enum';
    if (v.dim) return 'symbol-array';
    switch (v.type) {
        case 'list':
        case 'pairlist':
            return 'symbol-structure';
        case 'character':
            return 'symbol-string';
        case 'logical':
            return 'symbol-boolean';
        case 'double':
        case 'integer':
        case 'complex':
            return 'symbol-number';
        case 'language':
        case 'symbol':
        case 'expression':
            return 'code';
        default:
            return 'symbol-variable';
    }
}
