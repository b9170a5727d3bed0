/**
 * A job's own output: an output channel "R Job: name (j3)", made when it is
 * first asked for (R: Show Job Output), so that jobs nobody looks at leave
 * the Output view's list alone. It starts with what the server kept
 * (r/job/getOutput), goes on live with r/job/output, and ends with a line
 * saying how the job ended (with the error and its traceback).
 *
 * Over one connection the server's notifications and answers arrive in the
 * order it sent them: output that arrives before the answer to
 * r/job/getOutput is in that answer, and output after it is not. So live
 * output is dropped while the answer is awaited, and appended after.
 */
import * as vscode from 'vscode';
import type { JobOutputParams } from '../../../common/protocol';
import { formatBytes } from '../rNames';
import { errorMessage } from '../session';
import { JobEntry, JobsModel, elapsedOf } from './jobsModel';
import { endLine, isEnded } from './jobText';

interface Shown {
    channel: vscode.OutputChannel;
    /** What was written to the channel (the channel cannot be read back): for tests. */
    text: string;
    /** Waiting for r/job/getOutput: live output is in its answer. */
    loading: boolean;
    ended: boolean;
    /** Written at the next flush: a job that prints in many small pieces makes few appends. */
    pending: string;
    timer?: ReturnType<typeof setTimeout>;
}

/** How long output is collected before it is appended to the channel. */
const FLUSH_MS = 50;
/** The most of a job's output kept in `text` (the channel keeps all). */
const MIRROR_CHARS = 1024 * 1024;

export class JobOutputs implements vscode.Disposable {
    private readonly shown = new Map<string, Shown>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private readonly changeEmitter = new vscode.EventEmitter<string>();
    /** Text was written to a job's output channel (its id). */
    readonly onDidWrite = this.changeEmitter.event;

    constructor(
        private readonly model: JobsModel,
        private readonly log: vscode.LogOutputChannel,
    ) {
        this.subscriptions.push(
            model.onOutput((p) => this.onOutput(p)),
            model.onDidChange((entry) => {
                if (entry) this.maybeEnded(entry);
                else for (const e of model.list) this.maybeEnded(e);
            }),
            model.onDidRemove((ids) => {
                for (const id of ids) this.close(id);
            }),
            this.changeEmitter,
        );
    }

    /** What the job's channel was given so far (undefined: never shown). */
    text(jobId: string): string | undefined {
        return this.shown.get(jobId)?.text;
    }

    /** Shows the job's output channel, making and filling it first if needed. */
    async show(entry: JobEntry, preserveFocus = true): Promise<void> {
        const jobId = entry.info.jobId;
        let shown = this.shown.get(jobId);
        if (shown) {
            shown.channel.show(preserveFocus);
            return;
        }
        const channel = vscode.window.createOutputChannel(`R Job: ${entry.info.name} (${jobId})`);
        shown = { channel, text: '', loading: true, ended: false, pending: '' };
        this.shown.set(jobId, shown);
        channel.show(preserveFocus);
        try {
            const { output, droppedBytes } = await this.model.output(jobId);
            if (this.shown.get(jobId) !== shown) return;
            if (droppedBytes > 0) this.write(jobId, shown, `[${formatBytes(droppedBytes)} of output from the middle were left out: the start and the end are kept]\n`);
            this.write(jobId, shown, output.map((o) => o.text).join(''));
        } catch (e) {
            this.log.warn(`r/job/getOutput ${jobId}: ${errorMessage(e)}`);
            this.write(jobId, shown, `[the output could not be fetched: ${errorMessage(e)}]\n`);
        }
        shown.loading = false;
        const now = this.model.get(jobId);
        if (now) this.maybeEnded(now);
    }

    private onOutput(p: JobOutputParams): void {
        const shown = this.shown.get(p.jobId);
        if (!shown || shown.loading) return;
        this.write(p.jobId, shown, p.text);
    }

    private maybeEnded(entry: JobEntry): void {
        const shown = this.shown.get(entry.info.jobId);
        if (!shown || shown.loading || shown.ended || !isEnded(entry.info.state)) return;
        shown.ended = true;
        const written = shown.text + shown.pending;
        const before = written.length === 0 || written.endsWith('\n') ? '' : '\n';
        this.write(entry.info.jobId, shown, `${before}${endLine(entry.info, elapsedOf(entry))}\n`);
    }

    private write(jobId: string, shown: Shown, text: string): void {
        if (!text) return;
        shown.pending += text;
        shown.timer ??= setTimeout(() => this.flush(jobId, shown), FLUSH_MS);
    }

    private flush(jobId: string, shown: Shown): void {
        shown.timer = undefined;
        if (this.shown.get(jobId) !== shown || !shown.pending) return;
        shown.channel.append(shown.pending);
        shown.text += shown.pending;
        shown.pending = '';
        if (shown.text.length > 2 * MIRROR_CHARS) shown.text = shown.text.slice(-MIRROR_CHARS);
        this.changeEmitter.fire(jobId);
    }

    private close(jobId: string): void {
        const shown = this.shown.get(jobId);
        if (!shown) return;
        if (shown.timer) clearTimeout(shown.timer);
        shown.channel.dispose();
        this.shown.delete(jobId);
    }

    dispose(): void {
        for (const id of [...this.shown.keys()]) this.close(id);
        for (const s of this.subscriptions) s.dispose();
    }
}
