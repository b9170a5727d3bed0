/**
 * What the Jobs view and the job commands say about a background job: the
 * row's description and tooltip, the name its result is offered under, where
 * a traceback frame's code is, and the line that ends a job's output.
 *
 * No `vscode` import: tested in plain Node (test/unit/jobText.test.ts).
 */
import type { JobError, JobInfo, JobState } from '../../../common/protocol';
import { formatBytes, isSyntacticName } from '../rNames';
import { formatElapsed } from '../statusText';

export const ENDED_STATES: readonly JobState[] = ['done', 'error', 'cancelled'];

export function isEnded(state: JobState): boolean {
    return ENDED_STATES.includes(state);
}

/** A job's running time: to the tenth of a second while short, once it has ended. */
export function jobElapsed(ms: number, ended: boolean): string {
    if (ended && ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
    return formatElapsed(ms);
}

/** "40%" from progressr's amount and total; undefined without a total. */
export function progressPercent(progress: JobInfo['progress']): string | undefined {
    if (!progress || progress.total === undefined || !(progress.total > 0)) return undefined;
    const percent = Math.max(0, Math.min(100, Math.floor((100 * progress.amount) / progress.total)));
    return `${percent}%`;
}

/** Progress as one short text: "40% step 2", "step 2", or "40%". */
export function progressText(progress: JobInfo['progress']): string | undefined {
    if (!progress) return undefined;
    const parts = [progressPercent(progress), progress.message?.trim()].filter((p): p is string => !!p);
    return parts.length ? parts.join(' ') : undefined;
}

/** An error as R prints it, on one line: "Error in f(x): no good". */
export function errorLine(error: JobError | undefined): string {
    if (!error) return 'Error';
    const message = error.message.split('\n', 1)[0] ?? '';
    return error.call ? `Error in ${error.call}: ${message}` : `Error: ${message}`;
}

/** The result's class and size: "data.frame, 1.2 KB". */
export function resultText(info: JobInfo): string | undefined {
    const parts: string[] = [];
    if (info.resultClass?.length) parts.push(info.resultClass[0]);
    if (info.resultBytes !== undefined) parts.push(formatBytes(info.resultBytes));
    return parts.length ? parts.join(', ') : undefined;
}

/**
 * The row's description, after the job's name. Its parts go from the most
 * to the least telling, so that a narrow view cuts the worker first:
 *   queued
 *   12 s · 40% step 2 · node1 (pid 123)
 *   done in 2.1 s · data.frame, 1.2 KB → res
 *   failed after 0.3 s · Error: no good
 *   cancelled after 4 s
 */
export function jobDescription(info: JobInfo, elapsedMs: number): string {
    switch (info.state) {
        case 'queued':
            return 'queued';
        case 'running':
            return [formatElapsed(elapsedMs), progressText(info.progress), info.worker].filter((p) => !!p).join(' · ');
        case 'done': {
            const result = resultText(info);
            return [`done in ${jobElapsed(elapsedMs, true)}`, result && (info.assignedTo ? `${result} → ${info.assignedTo}` : result)]
                .filter((p) => !!p)
                .join(' · ');
        }
        case 'error':
            return `failed after ${jobElapsed(elapsedMs, true)} · ${errorLine(info.error)}`;
        case 'cancelled':
            return `cancelled after ${jobElapsed(elapsedMs, true)}`;
    }
}

/** The tooltip, as Markdown-free lines (the caller escapes them). */
export function jobTooltipLines(info: JobInfo, elapsedMs: number): string[] {
    const ended = isEnded(info.state);
    const lines = [`${info.name} — ${info.state}${info.state === 'queued' ? ' (waiting for a worker)' : ''}`];
    if (info.file) lines.push(`file: ${info.file}`);
    if (info.state !== 'queued') lines.push(`${ended ? 'ran for' : 'running for'} ${jobElapsed(elapsedMs, ended)}`);
    if (info.worker) lines.push(`worker: ${info.worker}`);
    const progress = progressText(info.progress);
    if (progress) lines.push(`progress: ${progress}`);
    const result = resultText(info);
    if (result) lines.push(`result: ${result}`);
    if (info.assignedTo) lines.push(`assigned to ${info.assignedTo} in the global environment`);
    else if (info.state === 'done') lines.push('Copy Result puts it in the global environment.');
    if (info.error) lines.push(errorLine(info.error));
    if (info.outputDroppedBytes) lines.push(`${formatBytes(info.outputDroppedBytes)} of output left out (its start and end are kept)`);
    lines.push(`id: ${info.jobId}`);
    return lines;
}

/**
 * The variable name offered for a job's result: the name it was assigned to
 * already; for a job whose code starts with an assignment (`fit <- lm(…)`)
 * that name; else the job's name made syntactic (`fit models.R` →
 * `fit_models`); `job_result` when nothing usable is left.
 */
export function suggestedResultName(info: Pick<JobInfo, 'name' | 'assignedTo'>): string {
    if (info.assignedTo) return info.assignedTo;
    const assigned = /^\s*([A-Za-z.][A-Za-z0-9._]*)\s*(?:<<?-|=(?!=))/.exec(info.name);
    if (assigned && isSyntacticName(assigned[1])) return assigned[1];
    let name = info.name
        .replace(/\.[Rr]$/, '')
        .replace(/[^A-Za-z0-9._]+/g, '_')
        .replace(/_+/g, '_')
        .replace(/^[_.]+|[_.]+$/g, '')
        .slice(0, 40)
        .replace(/[_.]+$/, '');
    if (/^[0-9]/.test(name)) name = `job_${name}`;
    if (!name || !isSyntacticName(name)) return 'job_result';
    return name;
}

/** Why a name cannot take a job's result (undefined: it can). */
export function resultNameProblem(name: string): string | undefined {
    if (!name.trim()) return 'A name is needed.';
    if (!isSyntacticName(name.trim()) || name.trim() === '.') return `'${name.trim()}' is not a syntactic R name (letters, digits, '.' and '_', not starting with a digit or '_').`;
    return undefined;
}

/**
 * Where a traceback frame's code is: a URI (code sent with the document's
 * uri), an absolute path (a file job), or nowhere (`<job>`, code without a
 * document, a frame of a package).
 */
export function frameLocation(file: string | undefined): { uri: string } | { path: string } | undefined {
    if (!file) return undefined;
    // A Windows path (C:\…) is a path, not a URI with scheme "c".
    if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(file) && !/^[A-Za-z]:[\\/]/.test(file)) return { uri: file };
    if (file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file)) return { path: file };
    return undefined;
}

/** The base name of a frame's file, for the row: "analysis.R:12". */
export function frameLabel(file: string | undefined, line: number | undefined): string | undefined {
    if (!file || line === undefined) return undefined;
    const base = decodeURIComponent(file.replace(/[?#].*$/, '').split(/[\\/]/).pop() ?? file);
    return `${base}:${line}`;
}

/** The line written to a job's output when it ends. */
export function endLine(info: JobInfo, elapsedMs: number): string {
    switch (info.state) {
        case 'done': {
            const result = resultText(info);
            return `[done in ${jobElapsed(elapsedMs, true)}${result ? `: ${result}` : ''}${info.assignedTo ? `, assigned to ${info.assignedTo}` : ''}]`;
        }
        case 'cancelled':
            return `[cancelled after ${jobElapsed(elapsedMs, true)}]`;
        case 'error': {
            const lines = [`[failed after ${jobElapsed(elapsedMs, true)}]`, errorLine(info.error)];
            for (const frame of info.error?.traceback ?? []) {
                const where = frameLabel(frame.file, frame.line);
                lines.push(`  ${frame.call}${where ? `  (${where})` : ''}`);
            }
            return lines.join('\n');
        }
        default:
            return '';
    }
}

/** Whether an error says the code used something a clean R does not have: a job that copies the session's variables might work. */
export function looksLikeMissingGlobal(error: JobError | undefined): boolean {
    return !!error && /object '.*' not found|could not find function/.test(error.message);
}
