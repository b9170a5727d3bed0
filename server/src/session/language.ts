/**
 * The language features (LSP completion, hover, signature help) from the
 * live session. The context comes from the document's text (rContext.ts);
 * what only R knows comes from kernel requests (kernel/language.R) while R
 * runs no code, and from the server's caches while it does: the global
 * environment's variables (the variables cache), and what earlier requests
 * learnt (names on the search path, members of objects, signatures). A
 * request that would need R while R is busy answers with what the caches
 * have, at once: never an error, never a wait.
 */
import type { CancellationToken } from 'vscode-jsonrpc';
import {
    CompletionItem,
    CompletionItemKind,
    CompletionList,
    CompletionParams,
    Hover,
    HoverParams,
    MarkupKind,
    SignatureHelp,
    SignatureHelpParams,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SymbolsChangedParams, Variable } from '../../../common/protocol';
import { assignedNames, callContext, CompletionContext, completionContext, nameAt } from './rContext';
import type { RequestOptions } from './executions';

/** What the language features need of the session: callbacks only, no import back. */
export interface LanguageHost {
    request(method: string, params: unknown, token?: CancellationToken, options?: RequestOptions): Promise<unknown>;
    /** Whether a kernel is ready and runs no user code (a request would be served now). */
    canAsk(): boolean;
    /** The global environment, as the variables cache has it. */
    globals(): Variable[];
    document(uri: string): TextDocument | undefined;
    log(message: string): void;
}

/** A completion item as the kernel gives it. */
interface KernelItem {
    label: string;
    kind: string;
    detail?: string;
    insert?: string;
}

interface Signature {
    label: string;
    parameters: string[];
}

const KINDS: Record<string, CompletionItemKind> = {
    function: CompletionItemKind.Function,
    variable: CompletionItemKind.Variable,
    dataframe: CompletionItemKind.Struct,
    module: CompletionItemKind.Module,
    column: CompletionItemKind.Field,
    field: CompletionItemKind.Field,
    argument: CompletionItemKind.Property,
    file: CompletionItemKind.File,
    folder: CompletionItemKind.Folder,
};

/** How far back the call around the cursor is looked for (characters). */
const CALL_LOOKBACK = 4000;
/** At most this many changed data frames and lists wait for their members to be fetched while R is idle. */
const PREFETCH_MAX = 8;
/** How long R must have been idle before they are fetched (ms). */
const PREFETCH_PAUSE_MS = 100;

export class Language {
    /** Names on the search path that start with a letter, by that letter. */
    private readonly names = new Map<string, KernelItem[]>();
    /** Members of objects (`x$`, `x@`, `x[["`), by operator and object. */
    private readonly members = new Map<string, KernelItem[]>();
    private readonly signatures = new Map<string, Signature | null>();
    /**
     * Data frames and lists that changed, oldest first: their `$` members
     * are fetched while R is idle, so that `x$` is answered while R runs
     * code too, without having been completed before.
     */
    private readonly prefetch = new Set<string>();
    private prefetching = false;
    private prefetchTimer: ReturnType<typeof setTimeout> | undefined;

    constructor(private readonly host: LanguageHost) {}

    /** Variables changed: what was learnt about them is forgotten, and learnt again while R is idle. */
    symbolsChanged(change: SymbolsChangedParams): void {
        if (change.reset) {
            this.members.clear();
            this.signatures.clear();
            this.prefetch.clear();
            return;
        }
        const roots = new Set([...change.changed.map((v) => v.name), ...change.removed, ...change.added.map((v) => v.name)]);
        for (const key of this.members.keys()) if (roots.has(rootOf(key.slice(2)))) this.members.delete(key);
        for (const name of roots) this.signatures.delete(name);
        for (const name of change.removed) this.prefetch.delete(name);
        for (const v of [...change.added, ...change.changed]) {
            if (!hasDollarMembers(v)) continue;
            this.prefetch.delete(v.name);
            this.prefetch.add(v.name);
        }
        for (const name of this.prefetch) {
            if (this.prefetch.size <= PREFETCH_MAX) break;
            this.prefetch.delete(name);
        }
    }

    /**
     * The session calls this whenever R may have gone idle. Once R has
     * stayed idle for PREFETCH_PAUSE_MS (executions sent back to back never
     * wait for this), the members of the changed objects are asked for in
     * one go (each request is bounded in time by the kernel, and there are
     * at most PREFETCH_MAX of them).
     */
    whenIdle(): void {
        if (this.prefetching || this.prefetchTimer || !this.prefetch.size || !this.host.canAsk()) return;
        this.prefetchTimer = setTimeout(() => {
            this.prefetchTimer = undefined;
            this.fetchMembers();
        }, PREFETCH_PAUSE_MS);
    }

    private fetchMembers(): void {
        if (this.prefetching || !this.prefetch.size) return;
        // R got busy meanwhile: the next idle moment will do.
        if (!this.host.canAsk()) return;
        const names = [...this.prefetch];
        this.prefetch.clear();
        this.prefetching = true;
        const asked = names.map((name) =>
            this.ask<{ items: KernelItem[] }>('language/complete', { context: 'member', object: name, operator: '$', prefix: '' }).then((result) => {
                if (result) this.members.set(`$ ${name}`, result.items);
            }),
        );
        void Promise.all(asked).finally(() => {
            this.prefetching = false;
            this.whenIdle();
        });
    }

    /** A new R: everything learnt from the last one is forgotten. */
    kernelGone(): void {
        if (this.prefetchTimer) clearTimeout(this.prefetchTimer);
        this.prefetchTimer = undefined;
        this.prefetch.clear();
        this.names.clear();
        this.members.clear();
        this.signatures.clear();
    }

    async completion(params: CompletionParams, token?: CancellationToken): Promise<CompletionList> {
        const doc = this.host.document(params.textDocument.uri);
        if (!doc) return { isIncomplete: false, items: [] };
        const offset = doc.offsetAt(params.position);
        const before = doc.getText().slice(Math.max(0, offset - CALL_LOOKBACK), offset);
        const context = completionContext(before);
        if (context.kind === 'none') return { isIncomplete: false, items: [] };
        const prefix = context.prefix;
        const range = { start: { line: params.position.line, character: params.position.character - prefix.length }, end: params.position };
        const items: CompletionItem[] = [];
        const seen = new Set<string>();
        const add = (item: CompletionItem) => {
            if (seen.has(item.label)) return;
            seen.add(item.label);
            items.push({ ...item, textEdit: { range, newText: item.insertText ?? item.label }, insertText: undefined });
        };
        let incomplete = false;
        if (context.kind === 'names') {
            // Arguments of the call first, then the global environment, the
            // document's own names, then the search path.
            const fromKernel = await this.ask<{ items: KernelItem[]; incomplete: boolean }>('language/complete', { context: 'names', prefix, call: context.call }, token);
            // Arguments in the function's order.
            (fromKernel?.items ?? []).filter((i) => i.kind === 'argument').forEach((item, k) => add(this.item(item, `0${order(k)}`)));
            for (const v of this.host.globals()) if (v.name.startsWith(prefix)) add(globalItem(v));
            for (const name of assignedNames(doc.getText())) if (name.startsWith(prefix)) add({ label: name, kind: CompletionItemKind.Variable, detail: 'assigned in this file', sortText: `2${name}` });
            // The search path's names; an answer for one letter is kept for
            // the times R is busy (longer prefixes filter it).
            const searchPath = fromKernel
                ? fromKernel.items.filter((i) => i.kind !== 'argument')
                : (this.names.get(prefix.slice(0, 1)) ?? []).filter((i) => i.label.startsWith(prefix));
            if (fromKernel && prefix.length === 1) this.names.set(prefix, searchPath);
            for (const item of searchPath) add(this.item(item, '3'));
            incomplete = fromKernel?.incomplete ?? true;
        } else {
            const key = context.kind === 'member' ? `${context.operator.padEnd(2)}${context.object}` : undefined;
            const fromKernel = await this.ask<{ items: KernelItem[]; incomplete: boolean }>('language/complete', kernelParams(context), token);
            let list = fromKernel?.items;
            if (key && list && !prefix) this.members.set(key, list);
            if (!list && key) list = (this.members.get(key) ?? []).filter((i) => i.label.startsWith(prefix));
            // Members in the object's own order (a data frame's columns as they are).
            (list ?? []).forEach((item, k) => add(this.item(item, context.kind === 'member' ? `1${order(k)}` : '1', context.kind === 'member' && context.operator === '$')));
            incomplete = !fromKernel || fromKernel.incomplete;
        }
        return { isIncomplete: incomplete, items };
    }

    private item(k: KernelItem, rank: string, backtick = false): CompletionItem {
        const needsTicks = backtick && !/^[A-Za-z.][A-Za-z0-9._]*$/.test(k.label);
        return {
            label: k.label,
            kind: KINDS[k.kind] ?? CompletionItemKind.Text,
            ...(k.detail ? { detail: k.detail } : {}),
            sortText: `${rank}${k.label}`,
            ...(k.insert || needsTicks ? { insertText: k.insert ?? `\`${k.label}\`` } : {}),
        };
    }

    async signatureHelp(params: SignatureHelpParams, token?: CancellationToken): Promise<SignatureHelp | null> {
        const doc = this.host.document(params.textDocument.uri);
        if (!doc) return null;
        const offset = doc.offsetAt(params.position);
        const call = callContext(doc.getText().slice(Math.max(0, offset - CALL_LOOKBACK), offset));
        if (!call) return null;
        const signature = await this.signature(call.name, token);
        if (!signature) return null;
        // The active parameter: the one named; else, as R matches by
        // position, the next one not named that comes before `...`, then `...`.
        let active = call.argName ? signature.parameters.indexOf(call.argName) : -1;
        if (active < 0) {
            const dots = signature.parameters.indexOf('...');
            const positional = signature.parameters.slice(0, dots < 0 ? undefined : dots).filter((p) => !call.named.includes(p));
            const position = call.argIndex - call.named.length;
            const candidate = positional[position];
            active = candidate !== undefined ? signature.parameters.indexOf(candidate) : dots >= 0 ? dots : signature.parameters.length - 1;
        }
        return {
            signatures: [{ label: signature.label, parameters: parameterRanges(signature) }],
            activeSignature: 0,
            activeParameter: Math.max(0, active),
        };
    }

    private async signature(name: string, token?: CancellationToken): Promise<Signature | null> {
        if (this.signatures.has(name)) return this.signatures.get(name)!;
        const found = await this.ask<Signature | null>('language/signature', { name }, token);
        if (found === undefined) return null;
        this.signatures.set(name, found);
        return found;
    }

    async hover(params: HoverParams, token?: CancellationToken): Promise<Hover | null> {
        const doc = this.host.document(params.textDocument.uri);
        if (!doc) return null;
        const line = doc.getText({ start: { line: params.position.line, character: 0 }, end: { line: params.position.line + 1, character: 0 } });
        const at = nameAt(line, params.position.character);
        if (!at) return null;
        const range = { start: { line: params.position.line, character: at.start }, end: { line: params.position.line, character: at.end } };
        const global = this.host.globals().find((v) => v.name === at.name);
        if (global && global.type !== 'closure') return { contents: { kind: MarkupKind.Markdown, value: describeVariable(global) }, range };
        const found = await this.ask<{ kind: string; signature?: string; title?: string; detail?: string; summary?: string } | null>('language/hover', { name: at.name }, token);
        if (!found) return global ? { contents: { kind: MarkupKind.Markdown, value: describeVariable(global) }, range } : null;
        const value =
            found.kind === 'function'
                ? ['```r', found.signature ?? at.name, '```', found.title ? `\n${found.title}` : ''].join('\n')
                : `\`${at.name}\`: ${found.detail ?? ''}${found.summary ? `\n\n${found.summary}` : ''}`;
        return { contents: { kind: MarkupKind.Markdown, value }, range };
    }

    /** A kernel request, only when R runs no code; undefined otherwise, or when it fails. */
    private async ask<T>(method: string, params: unknown, token?: CancellationToken): Promise<T | undefined> {
        if (!this.host.canAsk()) return undefined;
        try {
            return (await this.host.request(method, params, token)) as T;
        } catch (e) {
            this.host.log(`${method} failed: ${(e as Error).message}`);
            return undefined;
        }
    }
}

function kernelParams(context: Exclude<CompletionContext, { kind: 'names' } | { kind: 'none' }>): Record<string, unknown> {
    switch (context.kind) {
        case 'member':
            return { context: 'member', object: context.object, operator: context.operator, prefix: context.prefix };
        case 'package':
            return { context: 'package', package: context.package, internal: context.internal, prefix: context.prefix };
        case 'library':
            return { context: 'library', prefix: context.prefix };
        case 'file':
            return { context: 'file', prefix: context.prefix };
    }
}

/** A data frame or a list with names of its own, as `x$` would be completed in R code (a syntactic name). */
function hasDollarMembers(v: Variable): boolean {
    if (v.pending || !v.hasChildren || !/^[A-Za-z.][A-Za-z0-9._]*$/.test(v.name)) return false;
    return v.class.includes('data.frame') || v.type === 'list';
}

/** A position as a sort key that sorts as a number. */
function order(k: number): string {
    return String(k).padStart(6, '0');
}

/** The variable an access expression starts from (`df` of `df$a$b`). */
function rootOf(object: string): string {
    return /^`?([^`$@[]+)/.exec(object)?.[1] ?? object;
}

function sizeOf(v: Variable): string {
    if (v.dim?.length) return v.dim.map((d) => d.toLocaleString('en-US')).join(' × ');
    return v.length === null ? '' : v.length.toLocaleString('en-US');
}

function globalItem(v: Variable): CompletionItem {
    const fn = v.type === 'closure' || v.type === 'builtin' || v.type === 'special';
    const frame = v.class.includes('data.frame');
    const size = sizeOf(v);
    return {
        label: v.name,
        kind: fn ? CompletionItemKind.Function : frame ? CompletionItemKind.Struct : v.type === 'environment' ? CompletionItemKind.Module : CompletionItemKind.Variable,
        detail: v.pending ? 'global' : `${v.class[0] ?? v.type}${size && !fn ? ` [${size}]` : ''}`,
        ...(v.summary && !v.pending ? { documentation: v.summary } : {}),
        sortText: `1${v.name}`,
    };
}

function describeVariable(v: Variable): string {
    const size = sizeOf(v);
    const bytes = v.size ? `, ${formatBytes(v.size)}` : '';
    return `\`${v.name}\`: ${v.class.join(', ') || v.type}${size ? ` [${size}]` : ''}${bytes}\n\n${v.summary}`;
}

function formatBytes(n: number): string {
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Each parameter's place in the signature's label, as [start, end] offsets. */
function parameterRanges(signature: Signature): { label: [number, number] }[] {
    const open = signature.label.indexOf('(');
    const ranges: { label: [number, number] }[] = [];
    let from = open + 1;
    for (const p of signature.parameters) {
        const at = signature.label.indexOf(p, from);
        if (at < 0) break;
        ranges.push({ label: [at, at + p.length] });
        from = at + p.length;
    }
    return ranges;
}
