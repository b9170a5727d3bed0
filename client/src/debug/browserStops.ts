/**
 * R stopped in its browser (`Browse[n]> `): one place that knows it, for
 * the console (which shows the prompt and reads what the user types), the
 * editor (which highlights the line R runs next), the variables view (the
 * browsed frame's locals) and the debug adapter (VS Code's debugger). Any
 * of them may answer the stop; the first answer goes to R, and the others
 * stop waiting.
 */
import * as vscode from 'vscode';
import type { InputParams, InputResult } from '../../../common/protocol';
import { exitGraceMs } from './browserText';

/** A stop as the server described it (an r/input request of kind 'browser'). */
export type BrowserStop = InputParams & { kind: 'browser' };

export function isBrowserStop(params: InputParams): params is BrowserStop {
    return params.kind === 'browser';
}

/** How the stop ended: `command` is what R was given ('' when the server gave up on the question). */
export interface BrowserResume {
    stop: BrowserStop;
    command: string;
    /** Who answered: the console (typed), the debugger (a toolbar button) or nobody (cancelled). */
    by: 'console' | 'debugger' | 'cancelled';
}

export class BrowserStops implements vscode.Disposable {
    private stop: { params: BrowserStop; answer: (text: string) => void } | undefined;
    private readonly stopped = new vscode.EventEmitter<BrowserStop>();
    private readonly resumed = new vscode.EventEmitter<BrowserResume>();
    private readonly answeredElsewhere = new vscode.EventEmitter<{ stop: BrowserStop; command: string }>();
    private readonly exited = new vscode.EventEmitter<void>();
    /** Between the first stop and the exit (onDidExit). */
    private browsingValue = false;
    private exitTimer: ReturnType<typeof setTimeout> | undefined;

    /** R stopped (again: each prompt of the browser is a stop). */
    readonly onDidStop = this.stopped.event;
    /** The stop ended: R was given a command, or the question was withdrawn. */
    readonly onDidResume = this.resumed.event;
    /** The debugger answered a stop the console was showing: the console echoes the command after its prompt. */
    readonly onDidAnswerElsewhere = this.answeredElsewhere.event;
    /**
     * R left the browser: the execution ended, or a stop ended and no other
     * followed within the grace period (browserText.ts: short after `c`
     * and the like, longer after `n`, `s` or an expression). What shows the
     * stop (the editor's highlight, the frame's locals) stays through the
     * short run between two stops, so that stepping does not flicker.
     */
    readonly onDidExit = this.exited.event;

    /** R stopped and has not left the browser since (it may be running a step). */
    get browsing(): boolean {
        return this.browsingValue;
    }

    /** The stop R waits at, if any. */
    get current(): BrowserStop | undefined {
        return this.stop?.params;
    }

    /**
     * Handles an r/input request of kind 'browser': resolves with the
     * console's answer (`ask`, given a token that is cancelled when someone
     * else answers first) or with the one given to answer().
     */
    async handle(params: BrowserStop, token: vscode.CancellationToken, ask: (token: vscode.CancellationToken) => Promise<InputResult>): Promise<InputResult> {
        const consoleCancel = new vscode.CancellationTokenSource();
        const withdrawn = token.onCancellationRequested(() => consoleCancel.cancel());
        let fromDebugger: ((text: string) => void) | undefined;
        const byDebugger = new Promise<string>((resolve) => (fromDebugger = resolve));
        const entry = { params, answer: (text: string) => fromDebugger?.(text) };
        this.stop = entry;
        this.cancelExit();
        this.browsingValue = true;
        this.stopped.fire(params);
        let resume: BrowserResume = { stop: params, command: '', by: 'cancelled' };
        try {
            const consoleAnswer = ask(consoleCancel.token).then((r) => ({ r, by: 'console' as const }));
            const debuggerAnswer = byDebugger.then((text) => ({ r: { text } as InputResult, by: 'debugger' as const }));
            const first = await Promise.race([consoleAnswer, debuggerAnswer]);
            if (first.by === 'debugger') {
                consoleAnswer.catch(() => undefined);
                this.answeredElsewhere.fire({ stop: params, command: first.r.text });
                consoleCancel.cancel();
            }
            resume = { stop: params, command: first.r.text, by: first.by };
            return first.r;
        } finally {
            withdrawn.dispose();
            consoleCancel.dispose();
            if (this.stop === entry) this.stop = undefined;
            this.resumed.fire(resume);
            if (!this.stop) this.exitAfter(exitGraceMs(resume.command, resume.by === 'cancelled'));
        }
    }

    /** The execution that browsed ended (or any, while R is not stopped): R browses no more. */
    executionEnded(): void {
        if (!this.stop) this.exit();
    }

    private exitAfter(ms: number): void {
        this.cancelExit();
        this.exitTimer = setTimeout(() => this.exit(), ms);
    }

    private cancelExit(): void {
        if (this.exitTimer !== undefined) clearTimeout(this.exitTimer);
        this.exitTimer = undefined;
    }

    private exit(): void {
        this.cancelExit();
        if (!this.browsingValue) return;
        this.browsingValue = false;
        this.exited.fire();
    }

    /** Gives R a command at its current stop (as if typed at `Browse[n]>`); false when R is not stopped. */
    answer(text: string): boolean {
        const stop = this.stop;
        if (!stop) return false;
        this.stop = undefined;
        stop.answer(text);
        return true;
    }

    dispose(): void {
        this.cancelExit();
        this.exited.dispose();
        this.stopped.dispose();
        this.resumed.dispose();
        this.answeredElsewhere.dispose();
    }
}
