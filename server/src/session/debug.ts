/**
 * Debugging: R's browser stops as the client sees them (where R stands, in
 * the documents the code came from), the locals of the stopped frames,
 * evaluation in them, and breakpoints (kernel/debug.R does R's part).
 *
 * R knows where code typed or run from an editor came from only as text
 * (it reads it from its console), so the kernel reports a stopped frame's
 * source as that text and the lines in it; this module finds the text in
 * the executions it has seen run from a document, newest first, and turns
 * it into that document's coordinates.
 */
import { readFileSync } from 'fs';
import { fileURLToPath, pathToFileURL } from 'url';
import type { CancellationToken } from 'vscode-jsonrpc';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type {
    Breakpoint,
    BreakpointsChangedParams,
    BrowserFrame,
    EvaluateParams,
    EvaluateResult,
    ExecuteParams,
    InputParams,
    Range,
    SetBreakpointsParams,
    SetBreakpointsResult,
    VariablesParams,
    VariablesResult,
} from '../../../common/protocol';
import { BrowserNotStoppedError, MAX_VARIABLES_PAGE } from '../../../common/protocol';
import type { BrowserInfo, FromKernel, KernelSrcref } from '../kernel/wire';
import { SessionError } from './errors';
import { locate, type RequestOptions } from './executions';

/** What debugging needs of the session: callbacks only. */
export interface DebugHost {
    /** A kernel request in the queue. */
    request(method: string, params: unknown, token?: CancellationToken, options?: RequestOptions): Promise<unknown>;
    /** A kernel request served at once while R is stopped in its browser. */
    requestAtStop(method: string, params: unknown): Promise<unknown>;
    /** R is stopped in its browser, the client asked. */
    stopped(): boolean;
    /** R runs, and runs no user code. */
    canAsk(): boolean;
    /** R runs. */
    running(): boolean;
    /** A document the client keeps in sync. */
    document(uri: string): TextDocument | undefined;
    breakpointsChanged(params: BreakpointsChangedParams): void;
    log(message: string): void;
}

/** An execution run from a document: its lines and where they start there. */
interface Source {
    uri: string;
    line: number;
    character: number;
    lines: string[];
}

/** How many executions run from documents are kept for finding code. */
const SOURCES_KEPT = 200;
/** ...and how many characters of code in all. */
const SOURCE_CHARS_KEPT = 16 * 1024 * 1024;

interface SetBreakpoint extends Breakpoint {
    condition?: string;
}

const NOT_YET = 'R stops here once a function defined from this file holds the line (run the file, or the definition).';

export class Debug {
    private readonly sources: Source[] = [];
    private sourceChars = 0;
    private readonly breakpoints = new Map<string, SetBreakpoint[]>();
    private nextId = 1;

    constructor(private readonly host: DebugHost) {}

    /** An execution is to run: code from a document is kept, to find R's stops in it. */
    executed(params: ExecuteParams): void {
        if (!params.uri || !params.range) return;
        const lines = params.code.split(/\r\n?|\n/);
        this.sources.unshift({ uri: params.uri, line: params.range.start.line, character: params.range.start.character, lines });
        this.sourceChars += params.code.length;
        while (this.sources.length > SOURCES_KEPT || (this.sourceChars > SOURCE_CHARS_KEPT && this.sources.length > 1)) {
            const old = this.sources.pop()!;
            this.sourceChars -= old.lines.reduce((n, l) => n + l.length + 1, 0);
        }
    }

    /** What the client is told of a stop the kernel reported while `exec` runs. */
    browserStop(exec: ExecuteParams, info: BrowserInfo): Omit<InputParams, 'executionId' | 'prompt'> {
        if (info.problem) this.host.log(`the kernel could not read the browser's stack: ${info.problem}`);
        const frames: BrowserFrame[] = (info.frames ?? []).map((f) => {
            const frame: BrowserFrame = { index: f.index, call: f.call ?? '', name: f.name ?? '' };
            const where = this.locate(f);
            if (where) Object.assign(frame, where);
            return frame;
        });
        const depth = info.depth ?? frames.length;
        const here = depth > 0 ? frames[depth - 1] : info.execLine ? locate({ params: exec }, info.execLine) : info.top && this.locate(info.top);
        const stop: Omit<InputParams, 'executionId' | 'prompt'> = { kind: 'browser', level: info.level, depth, call: info.call ?? '', frames };
        if (here?.uri && here.range) {
            stop.uri = here.uri;
            stop.range = here.range;
        }
        if (info.breakpointId !== undefined) {
            stop.breakpointId = info.breakpointId;
            this.hit(info.breakpointId);
        }
        return stop;
    }

    /** A breakpoint stopped R: it is in effect (one at the top level is verified only so). */
    private hit(id: number): void {
        for (const [uri, list] of this.breakpoints) {
            const bp = list.find((b) => b.id === id);
            if (bp && !bp.verified) this.verified(uri, [id], false);
        }
    }

    /**
     * The breakpoints in the code of an execution run from a document, as
     * the kernel takes them with its exec frame: "id:line,..." with lines
     * of the code (1-based); undefined when there are none.
     */
    breaks(exec: ExecuteParams): string | undefined {
        if (!exec.uri || !exec.range) return undefined;
        const list = this.breakpoints.get(exec.uri);
        if (!list?.length) return undefined;
        const first = exec.range.start.line;
        const lines = exec.code.split(/\r\n?|\n/).length;
        const inside = list.filter((b) => b.line >= first && b.line < first + lines);
        return inside.length ? inside.map((b) => `${b.id}:${b.line - first + 1}`).join(',') : undefined;
    }

    /** A source reference from the kernel in a document's coordinates, when it can be found. */
    locate(ref: KernelSrcref): { uri: string; range: Range } | undefined {
        const { line1, col1 = 1, line2, col2 = 0 } = ref;
        if (!line1 || !line2) return undefined;
        if (ref.file) {
            return { uri: pathToFileURL(ref.file).href, range: { start: { line: line1 - 1, character: col1 - 1 }, end: { line: line2 - 1, character: col2 } } };
        }
        if (ref.text === undefined) return undefined;
        const text = ref.text.split('\n');
        if (text.length > 1 && text[text.length - 1] === '') text.pop();
        for (const source of this.sources) {
            const at = findLines(source.lines, text);
            if (at < 0) continue;
            // Line k of R's text is line at + k - 1 of the execution; its
            // first line may start inside the execution's line (after `;`),
            // and the execution's first line inside the document's.
            const line = (k: number) => source.line + at + k - 1;
            const shift = (k: number) => (k === 1 ? source.lines[at].length - text[0].length : 0) + (at + k - 1 === 0 ? source.character : 0);
            return {
                uri: source.uri,
                range: { start: { line: line(line1), character: col1 - 1 + shift(line1) }, end: { line: line(line2), character: col2 + shift(line2) } },
            };
        }
        return undefined;
    }

    // -----------------------------------------------------------------------
    // Requests

    /** r/variables with a frame: the locals of a stopped frame, or their children. */
    async variables(params: VariablesParams): Promise<VariablesResult> {
        if (!this.host.stopped()) throw new SessionError(BrowserNotStoppedError, 'R is not stopped in the browser.');
        const count = Math.min(params.count ?? MAX_VARIABLES_PAGE, MAX_VARIABLES_PAGE);
        return (await this.host.requestAtStop('debug/variables', { frame: params.frame, path: params.path ?? [], start: params.start ?? 0, count })) as VariablesResult;
    }

    /** r/evaluate: in a frame of the stop, else in the global environment (in turn). */
    async evaluate(params: EvaluateParams, token?: CancellationToken): Promise<EvaluateResult> {
        const kernelParams = { expression: params.expression, frame: params.frame, context: params.context ?? 'repl' };
        if (this.host.stopped()) return (await this.host.requestAtStop('debug/evaluate', kernelParams)) as EvaluateResult;
        if (params.frame !== undefined && params.frame > 0) throw new SessionError(BrowserNotStoppedError, 'R is not stopped in the browser.');
        // A hover never waits behind user code.
        if (params.context === 'hover' && !this.host.canAsk()) return { value: '', type: '' };
        return (await this.host.request('debug/evaluate', kernelParams, token)) as EvaluateResult;
    }

    /**
     * r/setBreakpoints: the document's breakpoints replace its last ones (a
     * breakpoint on the same line with the same condition keeps its id).
     * Answered once R has put them in, or at once while R runs code: they
     * go in at its next turn, and r/breakpointsChanged says so.
     */
    async setBreakpoints(params: SetBreakpointsParams): Promise<SetBreakpointsResult> {
        const old = this.breakpoints.get(params.uri) ?? [];
        const list: SetBreakpoint[] = params.breakpoints.map((b) => {
            const same = old.find((o) => o.line === b.line && (o.condition ?? '') === (b.condition ?? ''));
            const bp: SetBreakpoint = { id: same?.id ?? this.nextId++, line: b.line, verified: false, message: NOT_YET };
            if (b.condition) bp.condition = b.condition;
            return bp;
        });
        if (list.length) this.breakpoints.set(params.uri, list);
        else this.breakpoints.delete(params.uri);
        if (!this.host.running()) return { breakpoints: list.map(publicBreakpoint) };
        const sent = this.sendBreakpoints(params.uri, list, params.text);
        if (this.host.stopped() || this.host.canAsk()) await sent;
        return { breakpoints: (this.breakpoints.get(params.uri) ?? list).map(publicBreakpoint) };
    }

    private sendBreakpoints(uri: string, list: SetBreakpoint[], text?: string): Promise<void> {
        const params = {
            uri,
            path: uri.startsWith('file:') ? safePath(uri) : undefined,
            lines: list.length ? this.documentLines(uri, text) : undefined,
            breakpoints: list.map((b) => ({ id: b.id, line: b.line, condition: b.condition ?? '' })),
        };
        const request = this.host.stopped() ? this.host.requestAtStop('debug/breakpoints', params) : this.host.request('debug/breakpoints', params);
        return request.then(
            (result) => this.verified(uri, (result as { verified?: number[] } | undefined)?.verified ?? [], true),
            (e: Error) => this.host.log(`the breakpoints of ${uri} could not be set: ${e.message}`),
        );
    }

    /** The document's lines, as the client has them, else as saved. */
    private documentLines(uri: string, text?: string): string[] | undefined {
        const content = text ?? this.host.document(uri)?.getText() ?? readFile(uri);
        return content?.split(/\r\n?|\n/);
    }

    /** Breakpoints R has put in (`all`: the whole set of `uri`, the others are not in). */
    private verified(uri: string, ids: number[], all: boolean): void {
        const list = this.breakpoints.get(uri);
        if (!list) return;
        let changed = false;
        for (const bp of list) {
            const now = ids.includes(bp.id) || (!all && bp.verified);
            if (now !== bp.verified) changed = true;
            bp.verified = now;
            if (now) delete bp.message;
            else bp.message = NOT_YET;
        }
        if (changed) this.host.breakpointsChanged({ uri, breakpoints: list.map(publicBreakpoint) });
    }

    /** The kernel's `breakpoints` frame: functions an execution defined took breakpoints. */
    onMessage(message: FromKernel): boolean {
        if (message.kind !== 'breakpoints') return false;
        for (const [uri, list] of this.breakpoints) {
            if (list.some((b) => message.verified.includes(b.id))) this.verified(uri, message.verified, false);
        }
        return true;
    }

    /** A new R: it is given every document's breakpoints, none in effect yet. */
    kernelReady(): void {
        for (const [uri, list] of this.breakpoints) {
            this.verified(uri, [], true);
            void this.sendBreakpoints(uri, list);
        }
    }

    /** R is gone: no breakpoint is in effect. */
    kernelGone(): void {
        for (const uri of this.breakpoints.keys()) this.verified(uri, [], true);
    }
}

function publicBreakpoint(bp: SetBreakpoint): Breakpoint {
    const out: Breakpoint = { id: bp.id, line: bp.line, verified: bp.verified };
    if (bp.message) out.message = bp.message;
    return out;
}

/**
 * Where `text` is in `lines`: its first line ends a line there (R's copy
 * of an expression starts where the expression does, maybe after a `;`),
 * its last starts one, the others are whole; -1 when nowhere.
 */
export function findLines(lines: string[], text: string[]): number {
    const m = text.length;
    if (!m) return -1;
    for (let j = 0; j + m <= lines.length; j++) {
        if (!lines[j].endsWith(text[0])) continue;
        if (m > 1 && !lines[j + m - 1].startsWith(text[m - 1])) continue;
        let same = true;
        for (let k = 1; k < m - 1 && same; k++) same = lines[j + k] === text[k];
        if (same) return j;
    }
    return -1;
}

function safePath(uri: string): string | undefined {
    try {
        return fileURLToPath(uri);
    } catch {
        return undefined;
    }
}

function readFile(uri: string): string | undefined {
    const path = uri.startsWith('file:') ? safePath(uri) : undefined;
    if (!path) return undefined;
    try {
        return readFileSync(path, 'utf8');
    } catch {
        return undefined;
    }
}
