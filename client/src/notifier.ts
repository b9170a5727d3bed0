/**
 * Messages to the user, in one place: notifications (with buttons) and
 * short status bar messages. Every message is also kept and announced as an
 * event, so that tests can wait for the message a situation should produce
 * (R not found, nothing to interrupt) instead of reading the screen.
 */
import * as vscode from 'vscode';

export type Severity = 'info' | 'warning' | 'error' | 'status';

export interface Notice {
    severity: Severity;
    message: string;
    /** The buttons offered. */
    actions: string[];
}

/** How long a status bar message stays. */
const STATUS_MESSAGE_MS = 5000;
const KEPT = 50;

export class Notifier implements vscode.Disposable {
    private readonly emitter = new vscode.EventEmitter<Notice>();
    private readonly kept: Notice[] = [];
    readonly onDidNotify = this.emitter.event;
    /**
     * For tests: answers notifications as a person clicking a button would
     * (the button's label, or undefined to leave it on screen).
     */
    answer: ((notice: Notice) => string | undefined) | undefined;

    get notices(): readonly Notice[] {
        return this.kept;
    }

    /** A notification; resolves with the button chosen, if any. */
    show(severity: Exclude<Severity, 'status'>, message: string, ...actions: string[]): Thenable<string | undefined> {
        const notice = { severity, message, actions };
        this.remember(notice);
        const chosen = this.answer?.(notice);
        if (chosen !== undefined) return Promise.resolve(chosen);
        switch (severity) {
            case 'info':
                return vscode.window.showInformationMessage(message, ...actions);
            case 'warning':
                return vscode.window.showWarningMessage(message, ...actions);
            case 'error':
                return vscode.window.showErrorMessage(message, ...actions);
        }
    }

    /** A short message in the status bar, for things that need no answer ("Nothing is running."). */
    status(message: string): void {
        this.remember({ severity: 'status', message, actions: [] });
        vscode.window.setStatusBarMessage(`$(info) ${message}`, STATUS_MESSAGE_MS);
    }

    private remember(notice: Notice): void {
        this.kept.push(notice);
        if (this.kept.length > KEPT) this.kept.shift();
        this.emitter.fire(notice);
    }

    dispose(): void {
        this.emitter.dispose();
    }
}
