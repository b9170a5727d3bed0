/**
 * The background-job commands, rows of the one command table
 * (commands.ts). Each takes what the Jobs view passes (its row), a job id
 * (scripts, tests), or nothing (the command palette: it asks which job).
 * Starting a job starts R Bridge's server if needed, as running code does;
 * the others say so when there is no job to act on.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { JobStartParams, Range } from '../../../common/protocol';
import type { Parts } from '../commands';
import { expressionAtLine } from '../expressions';
import { JobEntry, elapsedOf } from './jobsModel';
import { JobErrorNode, JobFrameNode, JobNode } from './jobsTree';
import { isEnded, jobDescription, resultNameProblem, suggestedResultName } from './jobText';

/** Options a script or test may pass to the run commands. */
export interface RunAsJobOptions {
    /** Give the job the session's global variables its code uses (default: the setting rbridge.jobs.copyGlobals). */
    copyGlobals?: boolean;
    /** Assign the result to this name when the job is done. */
    resultName?: string;
}

type JobCommand = { id: string; run: (parts: Parts, ...args: unknown[]) => unknown };

export const JOB_COMMANDS: JobCommand[] = [
    { id: 'rbridge.jobs.runFile', run: (parts, options) => runFileAsJob(parts, options) },
    { id: 'rbridge.jobs.runSelection', run: (parts, options) => runSelectionAsJob(parts, options) },
    { id: 'rbridge.jobs.cancel', run: (parts, target) => cancelJob(parts, target) },
    { id: 'rbridge.jobs.copyResult', run: (parts, target, name) => copyResult(parts, target, name) },
    { id: 'rbridge.jobs.showOutput', run: (parts, target) => showOutput(parts, target) },
    { id: 'rbridge.jobs.clear', run: (parts) => clearJobs(parts) },
    { id: 'rbridge.jobs.remove', run: (parts, target) => removeJob(parts, target) },
];

function runOptions(parts: Parts, options: unknown): { copyGlobals: boolean; resultName?: string } {
    const given = typeof options === 'object' && options !== null ? (options as RunAsJobOptions) : {};
    return {
        copyGlobals: typeof given.copyGlobals === 'boolean' ? given.copyGlobals : parts.settings.jobs.copyGlobals,
        ...(typeof given.resultName === 'string' && given.resultName ? { resultName: given.resultName } : {}),
    };
}

function rEditor(parts: Parts): vscode.TextEditor | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor) parts.notifier.status('Open an R file to run it as a background job.');
    return editor;
}

function toRange(range: vscode.Range): Range {
    return { start: { line: range.start.line, character: range.start.character }, end: { line: range.end.line, character: range.end.character } };
}

async function startJob(parts: Parts, params: JobStartParams): Promise<string> {
    parts.explainTrust();
    const entry = await parts.jobs.start(params);
    parts.notifier.status(`Started R job ${entry.info.name}${params.copyGlobals ? ' with the session variables it uses' : ''}.`);
    return entry.info.jobId;
}

/**
 * R: Run File as Background Job. A saved file runs from disk (the job's
 * traceback names it); an unsaved or untitled document runs as it is in the
 * editor, with its uri, so that error lines still point into it. Resolves
 * with the job's id.
 */
async function runFileAsJob(parts: Parts, options: unknown) {
    const editor = rEditor(parts);
    if (!editor) return undefined;
    const document = editor.document;
    const text = document.getText();
    if (!text.trim()) {
        parts.notifier.status('The file is empty: nothing to run.');
        return undefined;
    }
    const name = document.uri.scheme === 'file' ? path.basename(document.uri.fsPath) : path.posix.basename(document.uri.path);
    const whole = new vscode.Range(0, 0, document.lineCount - 1, document.lineAt(document.lineCount - 1).text.length);
    const source: Partial<JobStartParams> =
        document.uri.scheme === 'file' && !document.isDirty
            ? { file: document.uri.fsPath }
            : { code: text, uri: document.uri.toString(), range: toRange(whole) };
    return startJob(parts, { ...source, name, ...runOptions(parts, options) });
}

/**
 * R: Run Selection as Background Job: the selection, or without one the
 * expression under the cursor (as Ctrl+Enter finds it), with the
 * document's uri and range so that error lines map into the document.
 */
async function runSelectionAsJob(parts: Parts, options: unknown) {
    const editor = rEditor(parts);
    if (!editor) return undefined;
    const document = editor.document;
    let range: vscode.Range = editor.selection;
    if (editor.selection.isEmpty) {
        const found = expressionAtLine(document.getText(), editor.selection.active.line);
        if (!found) {
            parts.notifier.status('Nothing to run at or after the cursor.');
            return undefined;
        }
        range = new vscode.Range(found.range.startLine, 0, found.range.endLine, document.lineAt(found.range.endLine).text.length);
    }
    const code = document.getText(range);
    if (!code.trim()) {
        parts.notifier.status('The selection is empty: nothing to run.');
        return undefined;
    }
    return startJob(parts, { code, uri: document.uri.toString(), range: toRange(range), ...runOptions(parts, options) });
}

/** The job a command's argument names: a row of the Jobs view (or one of its children), or a job id. */
function targetJob(parts: Parts, target: unknown): JobEntry | undefined {
    if (target instanceof JobNode) return parts.jobs.model.get(target.info.jobId);
    if (target instanceof JobErrorNode || target instanceof JobFrameNode) return parts.jobs.model.get(target.parent.info.jobId);
    if (typeof target === 'string') {
        const entry = parts.jobs.model.get(target);
        if (!entry) parts.notifier.status(`There is no job ${target} (it may have been cleared).`);
        return entry;
    }
    return undefined;
}

/** Asks which job, among those `accept` takes; picks the only one without asking. */
async function pickJob(parts: Parts, accept: (entry: JobEntry) => boolean, none: string, placeHolder: string): Promise<JobEntry | undefined> {
    const entries = parts.jobs.list.filter(accept);
    if (entries.length === 0) {
        parts.notifier.status(none);
        return undefined;
    }
    if (entries.length === 1) return entries[0];
    const now = Date.now();
    const items = entries
        .reverse()
        .map((entry) => ({ label: entry.info.name, description: jobDescription(entry.info, elapsedOf(entry, now)), entry }));
    return (await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true }))?.entry;
}

async function chooseJob(parts: Parts, target: unknown, accept: (entry: JobEntry) => boolean, none: string, placeHolder: string) {
    if (target !== undefined && target !== null) return targetJob(parts, target);
    return pickJob(parts, accept, none, placeHolder);
}

/** R: Cancel Job. Resolves whether it was cancelled (false: it had ended). */
async function cancelJob(parts: Parts, target: unknown) {
    const entry = await chooseJob(parts, target, (e) => !isEnded(e.info.state), 'No background job is running or queued.', 'Cancel which job?');
    if (!entry) return undefined;
    const cancelled = await parts.jobs.model.cancel(entry.info.jobId);
    if (!cancelled) parts.notifier.status(`The job ${entry.info.name} had ended already.`);
    return cancelled;
}

/**
 * R: Copy Job Result to Global Environment: asks for a name (a syntactic
 * one made from the job's name is offered; a name already in use is said to
 * be replaced), and r/job/result assigns the result there; the variables
 * view shows it by itself. `name` (scripts, tests) skips the question.
 * Resolves with the name assigned.
 */
async function copyResult(parts: Parts, target: unknown, name: unknown) {
    const entry = await chooseJob(parts, target, (e) => e.info.state === 'done', 'No background job has finished with a result.', 'Copy the result of which job?');
    if (!entry) return undefined;
    if (entry.info.state !== 'done') {
        parts.notifier.status(`The job ${entry.info.name} ${entry.info.state === 'error' ? 'failed' : `is ${entry.info.state}`}: it has no result.`);
        return undefined;
    }
    let assignTo = typeof name === 'string' ? name.trim() : undefined;
    if (assignTo === undefined) {
        const existing = new Set(parts.variables.variables.map((v) => v.name));
        const suggested = suggestedResultName(entry.info);
        assignTo = (
            await vscode.window.showInputBox({
                title: `Copy the result of ${entry.info.name} to the global environment`,
                prompt: 'The variable to assign it to',
                value: suggested,
                valueSelection: [0, suggested.length],
                validateInput: (value) => {
                    const problem = resultNameProblem(value);
                    if (problem) return problem;
                    if (existing.has(value.trim())) return { message: `This replaces the variable ${value.trim()}.`, severity: vscode.InputBoxValidationSeverity.Warning };
                    return undefined;
                },
            })
        )?.trim();
        if (assignTo === undefined) return undefined;
    }
    const problem = resultNameProblem(assignTo);
    if (problem) {
        void parts.notifier.show('warning', problem);
        return undefined;
    }
    const result = await parts.jobs.model.result(entry.info.jobId, assignTo);
    parts.notifier.status(`The result of ${entry.info.name} is now ${result.assignedTo ?? assignTo} in the global environment.`);
    return result.assignedTo;
}

/** R: Show Job Output. */
async function showOutput(parts: Parts, target: unknown) {
    const entry = await chooseJob(parts, target, () => true, 'There are no background jobs.', 'Show the output of which job?');
    if (!entry) return undefined;
    await parts.jobs.showOutput(entry, target !== undefined);
    return entry.info.jobId;
}

/** R: Clear Finished Jobs: forgets every ended job (and the results their workers kept). Resolves with the ids cleared. */
async function clearJobs(parts: Parts) {
    if (!parts.jobs.list.some((e) => isEnded(e.info.state))) {
        parts.notifier.status(parts.jobs.list.length ? 'No background job has finished yet.' : 'There are no background jobs.');
        return [];
    }
    return parts.jobs.model.clear();
}

/** Clear Job (a row's button): forgets one ended job. */
async function removeJob(parts: Parts, target: unknown) {
    const entry = await chooseJob(parts, target, (e) => isEnded(e.info.state), 'No background job has finished yet.', 'Clear which job?');
    if (!entry) return undefined;
    if (!isEnded(entry.info.state)) {
        parts.notifier.status(`The job ${entry.info.name} is ${entry.info.state}: cancel it first.`);
        return undefined;
    }
    return parts.jobs.model.clear(entry.info.jobId);
}
