/**
 * A long execution gets a progress notification with a Cancel button,
 * after about 2 s, so that a user who ran something slow sees that R is
 * working and can stop it without looking for the console. It stays while R
 * works through the queue and goes when nothing is pending, or while R
 * waits for the user (an answer to readline(), its browser); Cancel
 * interrupts R (and drops what was queued).
 */
import * as vscode from 'vscode';
import { codePreview } from './displayText';
import { RSession } from './session';
import { formatElapsed } from './statusText';

/** How long an execution runs before the progress notification appears. */
export const PROGRESS_DELAY_MS = 2000;

interface Shown {
    report: (message: string) => void;
    end: () => void;
    /** The same as pressing Cancel (for tests). */
    cancel: () => void;
}

export class BusyProgress implements vscode.Disposable {
    private armed: { executionId: string; timer: ReturnType<typeof setTimeout> } | undefined;
    private shown: Shown | undefined;
    private ticker: ReturnType<typeof setInterval> | undefined;
    private readonly changeEmitter = new vscode.EventEmitter<boolean>();
    private readonly subscriptions: vscode.Disposable[] = [];
    /** Fires true when the notification appears, false when it goes. */
    readonly onDidChangeVisibility = this.changeEmitter.event;

    constructor(private readonly session: RSession, private readonly delayMs = PROGRESS_DELAY_MS) {
        this.subscriptions.push(
            session.onDidStartExecution((execution) => this.arm(execution.executionId)),
            session.onDidChangeExecutions(() => {
                const running = this.session.running;
                if (this.session.pending.length === 0) this.end();
                // R waits for the user (readline(), its browser): nothing to cancel; when
                // the answer sends it on, a long run shows again after the delay.
                else if (running?.awaitingInput) this.end();
                else if (running && !this.shown && !this.armed) this.arm(running.executionId);
                else this.report();
            }),
            this.changeEmitter,
        );
    }

    get visible(): boolean {
        return this.shown !== undefined;
    }

    /** Does what the notification's Cancel button does. */
    cancel(): void {
        this.shown?.cancel();
    }

    private arm(executionId: string): void {
        if (this.shown) {
            this.report();
            return;
        }
        if (this.armed) clearTimeout(this.armed.timer);
        const timer = setTimeout(() => {
            this.armed = undefined;
            const running = this.session.running;
            if (running?.executionId === executionId && !running.awaitingInput) this.show();
        }, this.delayMs);
        this.armed = { executionId, timer };
    }

    private show(): void {
        void vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: 'R', cancellable: true },
            (progress, token) =>
                new Promise<void>((resolve) => {
                    let ended = false;
                    const end = () => {
                        if (ended) return;
                        ended = true;
                        subscription.dispose();
                        if (this.ticker) clearInterval(this.ticker);
                        this.ticker = undefined;
                        this.shown = undefined;
                        this.changeEmitter.fire(false);
                        resolve();
                    };
                    const cancel = () => {
                        void this.session.interrupt();
                        end();
                    };
                    const subscription = token.onCancellationRequested(cancel);
                    this.shown = { report: (message) => progress.report({ message }), end, cancel };
                    this.ticker = setInterval(() => this.report(), 1000);
                    this.report();
                    this.changeEmitter.fire(true);
                }),
        );
    }

    private report(): void {
        const shown = this.shown;
        if (!shown) return;
        const running = this.session.running;
        const queued = this.session.queuedCount;
        const what = running ? `running ${codePreview(running.request.code)}` : 'busy';
        const elapsed = running?.runningSince !== undefined ? ` for ${formatElapsed(Date.now() - running.runningSince)}` : '';
        shown.report(`${what}${elapsed}${queued ? ` (${queued} queued)` : ''}`);
    }

    private end(): void {
        if (this.armed) clearTimeout(this.armed.timer);
        this.armed = undefined;
        this.shown?.end();
    }

    dispose(): void {
        this.end();
        for (const s of this.subscriptions) s.dispose();
    }
}
