/**
 * Background jobs in the command-line client, as text: the progress line
 * (`rbridge job` on a terminal) and its plain form (into a pipe or a file),
 * a failed job's error with its traceback, the one-line summary of a done
 * job, and the table of `rbridge jobs`. Pure functions; rbridge.ts decides
 * when to print them.
 */
import type { JobError, JobInfo, JobProgressParams } from '../common/protocol';
import { formatBytes } from './sessions';

/** Cells of the progress bar. */
const BAR_WIDTH = 20;
/** Names longer than this are cut in the table (with "…"). */
const MAX_NAME = 30;
/** Results and errors longer than this are cut in the table. */
const MAX_RESULT = 60;

type Progress = Pick<JobProgressParams, 'amount' | 'total' | 'message'>;

/** The share done, 0 to 1, or undefined when the job did not say how much there is. */
function fraction(p: Progress): number | undefined {
    if (p.total === undefined || !(p.total > 0)) return undefined;
    return Math.min(1, Math.max(0, p.amount / p.total));
}

/** How far a job is, for a person: `2/5 (40%)`, or the amount alone without a total. */
function amount(p: Progress): string {
    const f = fraction(p);
    return f === undefined ? `${p.amount}` : `${p.amount}/${p.total} (${Math.floor(f * 100)}%)`;
}

/**
 * The progress line drawn on a terminal, at most `columns - 1` characters
 * wide (a line that wraps could not be drawn over): `[==========          ] 50% step 5`.
 */
export function progressBar(p: Progress, columns: number): string {
    const f = fraction(p);
    const message = p.message ? ` ${oneLine(p.message)}` : '';
    let line: string;
    if (f === undefined) line = `[${'?'.repeat(BAR_WIDTH)}] ${p.amount}${message}`;
    else {
        const filled = Math.round(f * BAR_WIDTH);
        line = `[${'='.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%${message}`;
    }
    const max = Math.max(10, columns - 1);
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The progress as a plain line (not on a terminal): `progress 2/5 (40%): step 2`. */
export function progressLine(jobId: string, p: Progress): string {
    return `job ${jobId} progress ${amount(p)}${p.message ? `: ${oneLine(p.message)}` : ''}`;
}

/**
 * A failed job's error as R says it (`Error in g(x) : no good`), then its
 * calls, innermost first as a stack trace reads: `  at g(x) (job.R:1)`.
 * `shownFile` turns a file in the traceback into what the user called it.
 */
export function formatJobError(error: JobError, shownFile: (file: string) => string = (f) => f): string {
    const lines = [error.call ? `Error in ${oneLine(error.call)} : ${error.message}` : `Error: ${error.message}`];
    for (const frame of [...(error.traceback ?? [])].reverse()) {
        const where = frame.file ? ` (${shownFile(frame.file)}${frame.line !== undefined ? `:${frame.line}` : ''})` : '';
        lines.push(`  at ${oneLine(frame.call)}${where}`);
    }
    return lines.join('\n') + '\n';
}

/** A done job's result in a few words: `data.frame, 1.2 KB`. */
export function describeResult(info: Pick<JobInfo, 'resultClass' | 'resultBytes'>): string {
    const cls = info.resultClass?.length ? info.resultClass.join('/') : 'NULL';
    return `${cls}, ${formatBytes(info.resultBytes ?? 0)}`;
}

/** 0.4 s, 12 s, 3m 2s, 2h 5m. */
export function formatDuration(ms: number): string {
    if (ms < 10000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${s % 60}s`;
    return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** `j1 (fit.R)`: how rbridge names a job in its notes. */
export function jobLabel(info: Pick<JobInfo, 'jobId' | 'name'>): string {
    return info.name ? `${info.jobId} (${oneLine(info.name)})` : info.jobId;
}

/** The jobs as a table for a person: one row each, oldest first, the result (or the error) last. */
export function formatJobs(jobs: JobInfo[]): string {
    const header = ['ID', 'NAME', 'STATE', 'ELAPSED', 'PROGRESS', 'WORKER', 'RESULT'];
    const rows = jobs.map((j) => [
        j.jobId,
        cut(oneLine(j.name), MAX_NAME),
        j.state,
        j.state === 'queued' ? '-' : formatDuration(j.elapsedMs),
        j.progress ? cut(`${amount(j.progress)}${j.progress.message ? ` ${oneLine(j.progress.message)}` : ''}`, MAX_NAME) : '-',
        j.worker ?? '-',
        cut(result(j), MAX_RESULT),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    return [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

function result(j: JobInfo): string {
    if (j.state === 'done') return `${describeResult(j)}${j.assignedTo ? `, assigned to ${j.assignedTo}` : ''}`;
    if (j.state === 'error') return `error: ${oneLine(j.error?.message ?? 'no reason was given')}`;
    return '-';
}

function oneLine(text: string): string {
    return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function cut(text: string, max: number): string {
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
