/**
 * A running job that reports progress (progressr) shows it in the status
 * bar, as VS Code's window progress: a spinner with "R job name: 40% step
 * 2". The status bar rather than a notification, because a job runs beside
 * the user's work, often for long, and a notification would sit over the
 * editor all that time; the Jobs view shows the same in the job's row. It
 * goes when the job ends.
 */
import * as vscode from 'vscode';
import { JobEntry, JobsModel } from './jobsModel';
import { isEnded, progressText } from './jobText';

interface Shown {
    report(message: string): void;
    end(): void;
    message: string;
}

export class JobProgress implements vscode.Disposable {
    private readonly shown = new Map<string, Shown>();
    private readonly subscriptions: vscode.Disposable[] = [];

    constructor(model: JobsModel) {
        this.subscriptions.push(
            model.onDidChange((entry) => {
                for (const e of entry ? [entry] : model.list) this.update(e);
                if (!entry) for (const id of [...this.shown.keys()]) if (!model.get(id)) this.end(id);
            }),
        );
    }

    /** The jobs whose progress the status bar shows, with its text (for tests). */
    get messages(): { jobId: string; message: string }[] {
        return [...this.shown].map(([jobId, s]) => ({ jobId, message: s.message }));
    }

    private update(entry: JobEntry): void {
        const { info } = entry;
        const message = progressText(info.progress);
        if (isEnded(info.state) || info.state !== 'running' || message === undefined) {
            if (isEnded(info.state) || info.state === 'queued') this.end(info.jobId);
            return;
        }
        const shown = this.shown.get(info.jobId);
        if (shown) {
            if (shown.message !== message) shown.report(message);
            return;
        }
        this.show(entry, message);
    }

    private show(entry: JobEntry, message: string): void {
        // Kept at once: the task below may run a moment later.
        let progress: vscode.Progress<{ message?: string }> | undefined;
        let resolve: (() => void) | undefined;
        let ended = false;
        const shown: Shown = {
            message,
            report: (text) => {
                shown.message = text;
                progress?.report({ message: text });
            },
            end: () => {
                ended = true;
                resolve?.();
            },
        };
        this.shown.set(entry.info.jobId, shown);
        void vscode.window.withProgress(
            { location: vscode.ProgressLocation.Window, title: `R job ${entry.info.name}` },
            (p) =>
                new Promise<void>((done) => {
                    progress = p;
                    resolve = done;
                    if (ended) done();
                    else p.report({ message: shown.message });
                }),
        );
    }

    private end(jobId: string): void {
        this.shown.get(jobId)?.end();
        this.shown.delete(jobId);
    }

    dispose(): void {
        for (const id of [...this.shown.keys()]) this.end(id);
        for (const s of this.subscriptions) s.dispose();
    }
}
