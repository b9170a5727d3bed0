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
 *
 * An environment (R6 objects included) can change without an assignment
 * the server could see (`e$v <- 99` leaves `e` the same environment,
 * `counter$add()` changes it from inside): after each run (once nothing
 * else waits to run), the rows the view shows expanded that are, or lie
 * inside, an environment ask R for their children again, and only what
 * changed is redrawn; a newer run cancels such a request still waiting.
 * Those rows that are collapsed forget their children, so that expanding
 * them asks R again.
 *
 * While R stops in its browser (`Browse[n]> `, debug/browserStops.ts) in a
 * function, the view lists that frame's locals instead, under a header row
 * that says which frame ("Browsing f(1)", "frame 1 of 1"), with the global
 * environment as one row to expand below them. Each stop (each `n`) lists
 * the locals afresh, children included (an answer about an earlier stop is
 * dropped), and when R leaves the browser the view lists the global
 * environment again.
 */
import * as vscode from 'vscode';
import {
    BrowserNotStoppedError,
    KernelNotRunningError,
    KernelStartFailedError,
    MAX_VARIABLES_PAGE,
    SymbolsChangedParams,
    Variable,
} from '../../common/protocol';
import { compareNames } from '../../common/names';
import type { BrowserStop, BrowserStops } from './debug/browserStops';
import { frameHeader } from './debug/browserText';
import { isViewable } from './dataView/viewable';
import { formatBytes, pathExpression } from './rNames';
import { RSession, errorCode, errorMessage } from './session';
import { ValueStep, readableExpression } from './valueNames';

/** Children asked from R per page. */
export const CHILD_PAGE = Math.min(100, MAX_VARIABLES_PAGE);
/** Top-level rows shown per page (they come from memory, so pages are larger). */
export const ROOT_PAGE = 500;
/** What the tooltip of an environment row says about how current it is. */
export const ENVIRONMENT_NOTE = 'Environments can change without an assignment; refreshed after each run.';

export class VariableNode {
    readonly kind = 'variable';
    /** The children loaded so far, once asked for. */
    page: { children: VariableNode[]; total: number } | undefined;
    /** Bumped when the value changes, so that an answer about the old value is dropped. */
    generation = 0;
    loading: Promise<VariableTreeNode[]> | undefined;

    /** For a local of the frame R browses (and what lies inside it): the frame's index, as r/variables takes it. */
    readonly frame: number | undefined;

    constructor(public variable: Variable, readonly parent: VariableNode | undefined, frame?: number) {
        this.frame = parent ? parent.frame : frame;
    }

    get id(): string {
        // A local and a global of the same name are different rows.
        return (this.frame === undefined ? '' : `frame ${this.frame}:`) + JSON.stringify(this.variable.path);
    }

    /** Whether the value is an environment (R6 and reference class objects included). */
    get isEnvironment(): boolean {
        return this.variable.type === 'environment';
    }

    /** Whether the value is, or lies inside, an environment: it can change without the server seeing an assignment. */
    get inEnvironment(): boolean {
        return this.isEnvironment || (this.parent?.inEnvironment ?? false);
    }

    /**
     * The R expression that reaches the value, with names where it has them
     * (`nested$a$b`, `` df$`my col` ``) and positions where it does not
     * (`l[[2]]`): what "Copy Name" copies.
     */
    get expression(): string {
        const steps = this.steps();
        // A row no longer listed under its parent: its path is all there is to go by.
        if (!steps) return pathExpression(this.variable.path);
        return readableExpression(this.variable.path[0], steps);
    }

    /** The steps from the top-level variable down to this row, as the view lists them; undefined if a row on the way is not listed. */
    private steps(): ValueStep[] | undefined {
        if (!this.parent) return [];
        const above = this.parent.steps();
        const siblings = this.parent.page?.children ?? [];
        const index = siblings.indexOf(this);
        if (!above || index < 0) return undefined;
        const name = this.variable.name;
        return [
            ...above,
            {
                segment: this.variable.path[this.variable.path.length - 1],
                name,
                shadowed: siblings.slice(0, index).some((sibling) => sibling.variable.name === name),
            },
        ];
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

/** While R browses: the row above the frame's locals that says which frame they are. */
export class FrameNode {
    readonly kind = 'frame';
    constructor(readonly scope: FrameScope) {}
}

/** While R browses: the global environment as one row, below the frame's locals. */
export class GlobalsNode {
    readonly kind = 'globals';
}

export type VariableTreeNode = VariableNode | MoreNode | MessageNode | FrameNode | GlobalsNode;

/** The variables of a frame as R listed them at a stop (frame 0: the global environment). */
export interface Listing {
    frame: number;
    /** The rows, once listed. */
    nodes: VariableNode[] | undefined;
    total: number;
    loading: Promise<void> | undefined;
    /** Why they could not be listed. */
    error: string | undefined;
}

/** The frame R browses, whose locals the view lists. */
export interface FrameScope {
    stop: BrowserStop;
    /** The frame's index (as sys.frame() counts), for r/variables. */
    index: number;
    locals: Listing;
    /**
     * The global environment as it is at the stop, listed when its row is
     * expanded (the list r/symbolsChanged keeps is that of the end of the
     * last run: what the code that browses assigned is not in it yet).
     */
    globals: Listing;
    /** Cancels the listings when R moves on. */
    source: vscode.CancellationTokenSource;
}

function listing(frame: number): Listing {
    return { frame, nodes: undefined, total: 0, loading: undefined, error: undefined };
}

interface InFlight {
    source: vscode.CancellationTokenSource;
    generation: number;
    /** A first page or the next one ("Show more…"), or a refresh after a run. */
    purpose: 'load' | 'more' | 'refresh';
}

function sameVariable(a: Variable, b: Variable): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

export class VariablesTreeProvider implements vscode.TreeDataProvider<VariableTreeNode>, vscode.Disposable {
    private readonly changeEmitter = new vscode.EventEmitter<VariableTreeNode | VariableTreeNode[] | undefined>();
    readonly onDidChangeTreeData = this.changeEmitter.event;
    private readonly roots = new Map<string, VariableNode>();
    private sortedRoots: VariableNode[] | undefined;
    private rootLimit = ROOT_PAGE;
    /** Requests for children not answered yet, by the row they are for: cancelled when it changes or goes. */
    private readonly inFlight = new Map<VariableNode, InFlight>();
    /** The ids of the rows the view shows expanded (it keeps them expanded by id when their nodes are replaced). */
    private readonly expanded = new Set<string>();
    /** The view, once watched: while it is hidden, nothing is asked of R for it. */
    private view: vscode.TreeView<VariableTreeNode> | undefined;
    /** While R browses in a function: the frame the view lists. */
    private scope: FrameScope | undefined;
    private readonly globalsNode = new GlobalsNode();
    private readonly subscriptions: vscode.Disposable[] = [];

    constructor(private readonly session: RSession, stops?: BrowserStops) {
        if (stops) this.subscriptions.push(stops.onDidStop((stop) => this.browse(stop)), stops.onDidExit(() => this.leave()));
        this.subscriptions.push(
            session.onSymbolsChanged((p) => this.apply(p)),
            session.onDidExecute(() => {
                // More runs waiting: a request now would wait behind them
                // anyway, and be stale once the next one is done.
                if (this.session.pending.length === 0) this.refreshEnvironments();
            }),
            this.changeEmitter,
        );
    }

    /** Follows which rows `view` shows expanded, and whether it is visible. */
    watch(view: vscode.TreeView<VariableTreeNode>): vscode.Disposable {
        this.view = view;
        return vscode.Disposable.from(
            { dispose: () => (this.view = undefined) },
            view.onDidExpandElement((e) => this.setExpanded(e.element, true)),
            view.onDidCollapseElement((e) => this.setExpanded(e.element, false)),
        );
    }

    /** A row was expanded or collapsed in the view (the view's events; tests call it as the view would). */
    setExpanded(node: VariableTreeNode, expanded: boolean): void {
        if (node.kind !== 'variable') return;
        if (expanded) this.expanded.add(node.id);
        else this.expanded.delete(node.id);
    }

    /** The global environment's variables, sorted as the server sorts them. */
    get variables(): Variable[] {
        return this.sorted().map((node) => node.variable);
    }

    /** The top-level row of a variable, if there is one. */
    rootNode(name: string): VariableNode | undefined {
        return this.roots.get(name);
    }

    /** While R browses in a function: the stop whose frame the view lists. */
    get browsing(): BrowserStop | undefined {
        return this.scope?.stop;
    }

    /**
     * The top level changed as a whole: the view is told, unless R browses
     * (the global environment's row then lists what R has at the stop, and
     * the view lists the top level again when R leaves the browser).
     */
    private rootsChanged(): void {
        if (!this.scope) this.changeEmitter.fire(undefined);
    }

    // -----------------------------------------------------------------------
    // R's browser

    /** R stopped (again): the view lists the browsed frame's locals, asked afresh. */
    private browse(stop: BrowserStop): void {
        const index = stop.depth ?? 0;
        // At the top level, the frame is the global environment itself.
        if (index <= 0) {
            this.leave();
            return;
        }
        this.endScope();
        this.scope = { stop, index, locals: listing(index), globals: listing(0), source: new vscode.CancellationTokenSource() };
        this.cancelStale();
        this.changeEmitter.fire(undefined);
    }

    /** R left the browser: the view lists the global environment again. */
    private leave(): void {
        if (!this.scope) return;
        this.endScope();
        this.cancelStale();
        this.changeEmitter.fire(undefined);
    }

    private endScope(): void {
        const scope = this.scope;
        if (!scope) return;
        this.scope = undefined;
        scope.source.cancel();
        scope.source.dispose();
    }

    /** The rows of the top level while R browses: the header, the locals, the global environment. */
    private frameRows(scope: FrameScope): VariableTreeNode[] {
        return [new FrameNode(scope), ...(scope.locals.nodes ?? []), this.globalsNode];
    }

    /**
     * The rows of a listing of the stop's, asked of R the first time (once).
     * When R has moved on by the time they come, the rows of where it
     * stands now (`again`).
     */
    private rowsOf(scope: FrameScope, list: Listing, rows: () => VariableTreeNode[], again: () => VariableTreeNode[] | Promise<VariableTreeNode[]>): VariableTreeNode[] | Promise<VariableTreeNode[]> {
        if (list.nodes) return rows();
        list.loading ??= this.list(scope, list);
        return list.loading.then(() => (this.scope === scope ? rows() : again()));
    }

    private async list(scope: FrameScope, list: Listing): Promise<void> {
        try {
            const result = await this.session.variables({ frame: list.frame, count: MAX_VARIABLES_PAGE }, scope.source.token);
            list.nodes = result.variables.map((v) => new VariableNode(v, undefined, list.frame));
            list.total = result.total;
        } catch (e) {
            list.nodes = [];
            // Not stopped any more (a command was typed meanwhile): the next stop, or the exit, lists again.
            list.error = errorCode(e) === BrowserNotStoppedError ? 'R is running' : `cannot list them: ${errorMessage(e)}`;
        } finally {
            list.loading = undefined;
        }
    }

    private apply(p: SymbolsChangedParams): void {
        if (p.reset) {
            this.roots.clear();
            this.cancelStale();
            this.rootLimit = ROOT_PAGE;
            for (const v of p.added) this.roots.set(v.name, new VariableNode(v, undefined));
            this.sortedRoots = undefined;
            this.rootsChanged();
            return;
        }
        let structural = false;
        const changed: VariableNode[] = [];
        // (While R browses, the view shows no row of this list: what changes is told when R leaves the browser.)
        for (const name of p.removed) {
            const node = this.roots.get(name);
            if (!node) continue;
            this.roots.delete(name);
            structural = true;
        }
        for (const v of [...p.added, ...p.changed]) {
            const node = this.roots.get(v.name);
            if (node && v.pending) {
                // Changed, its description still to come: the row keeps
                // what it showed (and its children, and its expansion),
                // marked as being updated, until the description arrives.
                if (!node.variable.pending) {
                    node.variable = { ...node.variable, pending: true };
                    changed.push(node);
                }
            } else if (node) {
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
            this.rootsChanged();
        } else if (changed.length && !this.scope) {
            this.changeEmitter.fire(changed);
        }
    }

    private sorted(): VariableNode[] {
        this.sortedRoots ??= [...this.roots.values()].sort((a, b) => compareNames(a.variable.name, b.variable.name));
        return this.sortedRoots;
    }

    /** Whether a row is still shown: its root is in the list (of globals, or of the browsed frame's locals), and no value above it changed since it was made. */
    private isCurrent(node: VariableNode): boolean {
        for (let row = node; ; row = row.parent) {
            if (!row.parent) {
                if (row.frame === undefined) return this.roots.get(row.variable.name) === row;
                return !!this.scope && (this.scope.locals.nodes?.includes(row) || this.scope.globals.nodes?.includes(row) || false);
            }
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
    private async children(
        node: VariableNode,
        start: number,
        count = CHILD_PAGE,
        purpose: InFlight['purpose'] = 'load',
    ): Promise<{ variables: Variable[]; total: number }> {
        const source = new vscode.CancellationTokenSource();
        const request: InFlight = { source, generation: node.generation, purpose };
        this.inFlight.set(node, request);
        try {
            return await this.session.variables({ path: node.variable.path, start, count, frame: node.frame }, source.token);
        } finally {
            if (this.inFlight.get(node) === request) this.inFlight.delete(node);
            source.dispose();
        }
    }

    // -----------------------------------------------------------------------
    // TreeDataProvider

    getChildren(element?: VariableTreeNode): VariableTreeNode[] | Promise<VariableTreeNode[]> {
        const scope = this.scope;
        if (!element && scope) return this.rowsOf(scope, scope.locals, () => this.frameRows(scope), () => this.getChildren(undefined));
        if (element?.kind === 'globals' && scope) return this.rowsOf(scope, scope.globals, () => scope.globals.nodes ?? [], () => this.getChildren(element));
        if (!element || element.kind === 'globals') {
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
        if (element.kind === 'frame' || element.kind === 'globals') return undefined;
        if (element.parent) return element.parent;
        // While R browses, the global environment's rows are under a row of their own.
        return this.scope && element.kind === 'variable' && element.frame === 0 ? this.globalsNode : undefined;
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
            case 'frame':
                return frameItem(element.scope);
            case 'globals': {
                const item = new vscode.TreeItem('Global environment', vscode.TreeItemCollapsibleState.Collapsed);
                item.id = 'rbridge.globals';
                const globals = this.scope?.globals;
                if (globals?.error) item.description = globals.error;
                else if (globals?.nodes && globals.total > globals.nodes.length) item.description = `the first ${globals.nodes.length.toLocaleString('en-US')} of ${globals.total.toLocaleString('en-US')}`;
                item.iconPath = new vscode.ThemeIcon('globe');
                item.contextValue = 'rbridge.variables.globals';
                item.tooltip = "R's global environment as it is where R stops.";
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
            // A local of a stop R has moved on from: the next stop lists the locals afresh.
            if (errorCode(e) === BrowserNotStoppedError && node.frame !== undefined) return [];
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
            this.rootsChanged();
            return;
        }
        const page = parent.page;
        // A page already on its way (a second click): that one is enough.
        if (!page || this.inFlight.has(parent)) return;
        const generation = parent.generation;
        try {
            const result = await this.children(parent, page.children.length, CHILD_PAGE, 'more');
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

    // -----------------------------------------------------------------------
    // Environments after a run

    /**
     * After a run: the expanded rows that are, or lie inside, an
     * environment ask R for their children again; such rows that are
     * collapsed (or hidden under a collapsed row, or in a hidden view)
     * forget theirs, and the view is told, so that showing them asks R.
     */
    refreshEnvironments(): void {
        if (!this.session.isReady) return;
        const open: VariableNode[] = [];
        // Where the view must look again for the rows that forgot their children (undefined: the top level).
        const anchors = new Set<VariableNode | undefined>();
        const walk = (node: VariableNode, anchor: VariableNode | undefined, shown: boolean): void => {
            if (!node.page) return;
            const isOpen = shown && this.expanded.has(node.id);
            if (node.inEnvironment) {
                if (isOpen) {
                    open.push(node);
                } else {
                    this.forgetChildren(node);
                    anchors.add(anchor);
                    return;
                }
            }
            for (const child of node.page.children) walk(child, isOpen ? node : anchor, isOpen);
        };
        // A hidden view asks for nothing: its rows forget, and ask when it shows them again.
        const visible = this.view?.visible ?? true;
        for (const root of this.roots.values()) walk(root, undefined, visible);
        this.cancelStale();
        if (anchors.has(undefined)) this.rootsChanged();
        else if (anchors.size) this.changeEmitter.fire([...anchors] as VariableNode[]);
        for (const node of open) void this.refreshChildren(node);
    }

    private forgetChildren(node: VariableNode): void {
        node.page = undefined;
        node.loading = undefined;
        node.generation++;
    }

    /** Asks R again for the children a row shows, and redraws what changed. */
    private async refreshChildren(node: VariableNode): Promise<void> {
        const page = node.page;
        if (!page) return;
        const waiting = this.inFlight.get(node);
        if (waiting) {
            // A first page or "Show more…" on its way is asked after the run: current enough.
            if (waiting.purpose !== 'refresh') return;
            // The refresh after an earlier run: this one replaces it.
            waiting.source.cancel();
        }
        const generation = node.generation;
        const shown = Math.ceil(page.children.length / CHILD_PAGE) * CHILD_PAGE;
        const count = Math.min(MAX_VARIABLES_PAGE, Math.max(CHILD_PAGE, shown));
        let result: { variables: Variable[]; total: number };
        try {
            result = await this.children(node, 0, count, 'refresh');
        } catch {
            // Cancelled by a newer run, or R went: what is shown stays until the next run.
            return;
        }
        if (node.generation !== generation || node.page !== page || !this.isCurrent(node)) return;
        this.reconcile(node, page, result);
    }

    /** Puts a fresh listing of a row's children in place of its page, keeping the rows that are still there (and with them their expansion). */
    private reconcile(node: VariableNode, page: NonNullable<VariableNode['page']>, result: { variables: Variable[]; total: number }): void {
        const before = new Map(page.children.map((child) => [child.id, child]));
        const changed: VariableNode[] = [];
        let structural = result.total !== page.total || result.variables.length !== page.children.length;
        const children = result.variables.map((v, i) => {
            const child = before.get(JSON.stringify(v.path));
            if (!child) {
                structural = true;
                return new VariableNode(v, node);
            }
            if (page.children[i] !== child) structural = true;
            if (!sameVariable(child.variable, v)) {
                child.variable = v;
                // A new value: its own children are asked again when shown.
                this.forgetChildren(child);
                changed.push(child);
            }
            return child;
        });
        page.children = children;
        page.total = result.total;
        this.cancelStale();
        if (structural) this.changeEmitter.fire(node);
        else if (changed.length) this.changeEmitter.fire(changed);
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

/** The header row while R browses: which frame the view lists. */
function frameItem(scope: FrameScope): vscode.TreeItem {
    const header = frameHeader(scope.stop);
    const item = new vscode.TreeItem(header.label, vscode.TreeItemCollapsibleState.None);
    item.id = 'rbridge.frame';
    const locals = scope.locals;
    let description = header.description;
    if (locals.error) description += ` · locals: ${locals.error}`;
    else if (locals.nodes?.length === 0) description += ' · no local variables';
    else if (locals.nodes && locals.total > locals.nodes.length) description += ` · the first ${locals.nodes.length.toLocaleString('en-US')} of ${locals.total.toLocaleString('en-US')} locals`;
    item.description = description;
    item.iconPath = new vscode.ThemeIcon('debug-stackframe');
    item.contextValue = 'rbridge.variables.frame';
    item.tooltip = new vscode.MarkdownString(header.tooltip);
    return item;
}

/** What a row whose description R has not sent yet says (a new variable among many changed at once). */
export const PENDING_DESCRIPTION = 'describing…';

function variableItem(node: VariableNode): vscode.TreeItem {
    const v = node.variable;
    if (v.pending && !v.type) {
        const item = new vscode.TreeItem(v.name, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = PENDING_DESCRIPTION;
        item.iconPath = new vscode.ThemeIcon('loading~spin');
        item.contextValue = node.parent ? 'rbridge.variable.child' : 'rbridge.variable.global';
        item.tooltip = `${v.name}: R describes it in a moment (the run changed more variables than it describes at once).`;
        return item;
    }
    const item = new vscode.TreeItem(v.name, v.hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = describe(v);
    item.iconPath = new vscode.ThemeIcon(iconName(v));
    // `.table`: the data viewer can show it (the View Data action's icon shows on the row).
    // A local of the browsed frame: the actions that work on the global environment do not show.
    if (node.frame !== undefined) item.contextValue = node.parent ? 'rbridge.local.child' : 'rbridge.local';
    else item.contextValue = (node.parent ? 'rbridge.variable.child' : 'rbridge.variable.global') + (isViewable(v) ? '.table' : '');
    item.tooltip = tooltip(v, node.isEnvironment);
    return item;
}

/** "data.frame [150 × 5] · 6.1 KB  150 obs. of 5 variables": the preview last, so that a narrow view cuts it first. */
export function describe(v: Variable): string {
    const parts = [kindLabel(v) + shapeLabel(v)];
    if (v.size !== undefined) parts.push(formatBytes(v.size));
    // Changed, the new description on its way: what it was, marked.
    if (v.pending) parts.push('updating…');
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

function tooltip(v: Variable, environment: boolean): vscode.MarkdownString {
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMarkdown(v.name)}**\n\n`);
    md.appendMarkdown(`class: \`${v.class.join(', ') || v.type}\` · type: \`${v.type}\`\n\n`);
    if (v.dim) md.appendMarkdown(`dimensions: ${v.dim.join(' × ')}\n\n`);
    else if (v.length !== null) md.appendMarkdown(`length: ${v.length.toLocaleString('en-US')}\n\n`);
    if (v.size !== undefined) md.appendMarkdown(`size: ${formatBytes(v.size)}\n\n`);
    md.appendCodeblock(v.summary, 'r');
    // What the view cannot know to be current says so.
    if (environment) md.appendMarkdown(`\n\n*${ENVIRONMENT_NOTE}*`);
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
