/**
 * Every command of the extension, in one table. Each one does something
 * sensible when R is not running: the ones that need R start it (an
 * explicit command is the user's consent, also in an untrusted workspace),
 * the others say why there is nothing to do.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { Range } from '../../common/protocol';
import { SessionEntry, findSession, listSessions, registryDir } from '../../common/sessions';
import { RConsole } from './console/consoleTerminal';
import { RunDiagnostics } from './diagnostics';
import { ErrorLocations } from './errorLocations';
import { expressionAtLine, linesFromTop, linesToEnd } from './expressions';
import { Notifier } from './notifier';
import { quoteName } from './rNames';
import { ExecutionOrigin, RSession, errorMessage } from './session';
import { Settings } from './settings';
import { PlotsView } from './plots/plotsView';
import { DataViews } from './dataView/dataViews';
import { viewData } from './dataView/viewData';
import { helpOnWord, searchHelp } from './help/helpCommands';
import { HelpPanel } from './help/helpPanel';
import { attachRefusal, sessionRow, terminateSession } from './detachedSessions';
import { openTranscriptDocument } from './transcriptDocument';
import { MessageNode, MoreNode, VariableNode, VariablesTreeProvider } from './variablesTree';
import { JOB_COMMANDS } from './jobs/jobCommands';
import type { BrowserStops } from './debug/browserStops';
import { debugFile } from './debug/debugging';
import type { Jobs } from './jobs/jobs';

/** The parts of the extension that commands act on. */
export interface Parts {
    session: RSession;
    settings: Settings;
    console: RConsole;
    variables: VariablesTreeProvider;
    plots: PlotsView;
    dataViews: DataViews;
    help: HelpPanel;
    /** Background jobs (jobs/). */
    jobs: Jobs;
    /** R's browser stops (debug/browserStops.ts): code run from an editor then goes to the browser's prompt. */
    browserStops: BrowserStops;
    errors: ErrorLocations;
    diagnostics: RunDiagnostics;
    notifier: Notifier;
    log: vscode.LogOutputChannel;
    /** Called before an explicit command starts R: in an untrusted workspace, says what that means (once). */
    explainTrust(): void;
}

interface Command {
    id: string;
    run: (parts: Parts, ...args: unknown[]) => unknown;
}

const COMMANDS: Command[] = [
    { id: 'rbridge.runSelection', run: (parts) => runSelection(parts) },
    { id: 'rbridge.runFile', run: (parts) => runWholeFile(parts) },
    { id: 'rbridge.runFromTop', run: (parts) => runLineRange(parts, 'fromTop') },
    { id: 'rbridge.runToEnd', run: (parts) => runLineRange(parts, 'toEnd') },
    // VS Code's debugger on the file (debug/debugging.ts); the editor title's Run menu passes the file.
    { id: 'rbridge.debugFile', run: (parts, target) => debugFile(parts, target) },
    { id: 'rbridge.interrupt', run: (parts) => interrupt(parts) },
    { id: 'rbridge.restart', run: (parts) => restart(parts) },
    { id: 'rbridge.attachSession', run: (parts, target) => attachSession(parts, target) },
    { id: 'rbridge.detachSession', run: (parts) => detachSession(parts) },
    { id: 'rbridge.stopSession', run: (parts) => stopSession(parts) },
    { id: 'rbridge.showSessions', run: (parts, options) => showSessions(parts, options) },
    { id: 'rbridge.clearQueue', run: (parts) => clearQueue(parts) },
    { id: 'rbridge.showConsole', run: (parts) => showConsole(parts) },
    { id: 'rbridge.openTranscript', run: (parts) => openTranscript(parts) },
    { id: 'rbridge.refreshVariables', run: (parts) => refreshVariables(parts) },
    { id: 'rbridge.removeVariable', run: (parts, target) => removeVariable(parts, target) },
    { id: 'rbridge.clearWorkspace', run: (parts, options) => clearWorkspace(parts, options) },
    { id: 'rbridge.goToError', run: (parts) => goToError(parts) },
    { id: 'rbridge.showLog', run: (parts) => parts.log.show() },
    { id: 'rbridge.variables.copyName', run: (parts, node) => copyName(parts, node) },
    { id: 'rbridge.variables.print', run: (parts, node) => runOnVariable(parts, node, 'print') },
    { id: 'rbridge.variables.str', run: (parts, node) => runOnVariable(parts, node, 'str') },
    { id: 'rbridge.variables.showMore', run: (parts, node) => node instanceof MoreNode && parts.variables.showMore(node) },
    { id: 'rbridge.plots.show', run: (parts) => parts.plots.show() },
    { id: 'rbridge.plots.previous', run: (parts) => parts.plots.previous() },
    { id: 'rbridge.plots.next', run: (parts) => parts.plots.next() },
    { id: 'rbridge.plots.remove', run: (parts, plotId) => parts.plots.remove(plotId) },
    { id: 'rbridge.plots.clear', run: (parts, options) => parts.plots.clear(options) },
    // The panel itself is no answer for a caller: the API's plots.zoomed() describes it.
    { id: 'rbridge.plots.zoom', run: (parts, plotId) => void parts.plots.zoom(plotId) },
    { id: 'rbridge.plots.save', run: (parts, options) => parts.plots.save(options) },
    { id: 'rbridge.plots.copy', run: (parts) => parts.plots.copy() },
    { id: 'rbridge.viewData', run: (parts, target) => viewData(parts, target) },
    { id: 'rbridge.helpOnWord', run: (parts) => helpOnWord(parts.help) },
    { id: 'rbridge.searchHelp', run: (parts, text) => searchHelp(parts.help, text) },
    {
        id: 'rbridge.variables.retry',
        run: (parts, node) => {
            if (node instanceof VariableNode) parts.variables.retry(node);
            else if (node instanceof MessageNode) parts.variables.retry(node.parent);
        },
    },
    // Background jobs: R: Run File as Background Job, Cancel Job, Copy Job Result… (jobs/jobCommands.ts).
    ...JOB_COMMANDS,
];

/** The ids of all commands, for the manifest check in the tests. */
export const COMMAND_IDS = COMMANDS.map((c) => c.id);

export function registerCommands(parts: Parts): vscode.Disposable[] {
    return COMMANDS.map(({ id, run }) =>
        vscode.commands.registerCommand(id, async (...args: unknown[]) => {
            try {
                return await run(parts, ...args);
            } catch (e) {
                parts.log.error(`${id}: ${errorMessage(e)}`);
                void parts.notifier.show('error', `R Bridge: ${errorMessage(e)}`);
                return undefined;
            }
        }),
    );
}

// ---------------------------------------------------------------------------
// Running code

/** A console being created tells its width within this time; the code waits for it, so that R prints as wide as the console. */
const CONSOLE_OPEN_WAIT_MS = 1000;

/** Runs code in R, from an editor or elsewhere; shows the console; resolves with the result. */
export async function run(parts: Parts, code: string, origin: ExecutionOrigin, where?: { uri: vscode.Uri; range: Range }) {
    parts.explainTrust();
    parts.console.show(true);
    // What R said about these lines before no longer holds.
    if (where) parts.diagnostics.linesRun(where.uri, where.range);
    // As if it had been typed at the prompt: Up in the console brings the run back, whole.
    if (origin === 'editor') parts.console.core.addHistory(code);
    // R waits at its browser's prompt: code from an editor is typed there, as
    // in R's console, and runs in the browsed frame (a block of lines answers
    // this prompt and the reads that follow).
    if (origin === 'editor' && parts.browserStops.answer(code.replace(/\r?\n$/, ''))) return undefined;
    const settings = parts.settings.values;
    await parts.console.whenOpen(CONSOLE_OPEN_WAIT_MS);
    return parts.session.execute({
        code,
        origin,
        uri: where?.uri.toString(),
        range: where?.range,
        echo: settings.echoCode,
        stopOnError: settings.stopOnError,
    });
}

function activeEditor(parts: Parts): vscode.TextEditor | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor) parts.notifier.status('Open an R file to run code from it.');
    return editor;
}

/**
 * With a selection: runs it. Without: runs the whole expression under the
 * cursor (a pipeline, a function definition) and moves the cursor to the
 * next expression, so that pressing the key again steps through the file.
 */
function runSelection(parts: Parts) {
    const editor = activeEditor(parts);
    if (!editor) return undefined;
    const document = editor.document;
    const selection = editor.selection;
    if (!selection.isEmpty) {
        const code = document.getText(selection);
        if (!code.trim()) {
            parts.notifier.status('The selection is empty: nothing to run.');
            return undefined;
        }
        return run(parts, code, 'editor', { uri: document.uri, range: toRange(selection) });
    }
    const found = expressionAtLine(document.getText(), selection.active.line);
    if (!found) {
        parts.notifier.status('Nothing to run at or after the cursor.');
        return undefined;
    }
    const next = new vscode.Position(Math.min(found.nextLine, document.lineCount - 1), 0);
    editor.selection = new vscode.Selection(next, next);
    editor.revealRange(new vscode.Range(next, next), vscode.TextEditorRevealType.Default);
    return runLines(parts, document, found.range.startLine, found.range.endLine);
}

function runWholeFile(parts: Parts) {
    const editor = activeEditor(parts);
    if (!editor) return undefined;
    return runDocument(parts, editor.document);
}

/** Runs a whole document, as Run File does (R: Debug File runs its program so too). */
export function runDocument(parts: Parts, document: vscode.TextDocument) {
    if (!document.getText().trim()) {
        parts.notifier.status('The file is empty: nothing to run.');
        return undefined;
    }
    return runLines(parts, document, 0, document.lineCount - 1);
}

function runLineRange(parts: Parts, which: 'fromTop' | 'toEnd') {
    const editor = activeEditor(parts);
    if (!editor) return undefined;
    const document = editor.document;
    const line = editor.selection.active.line;
    const range = which === 'fromTop' ? linesFromTop(document.getText(), line) : linesToEnd(document.getText(), line);
    return runLines(parts, document, range.startLine, range.endLine);
}

function runLines(parts: Parts, document: vscode.TextDocument, startLine: number, endLine: number) {
    const range = new vscode.Range(startLine, 0, endLine, document.lineAt(endLine).text.length);
    const code = document.getText(range);
    if (!code.trim()) {
        parts.notifier.status('Nothing to run there.');
        return undefined;
    }
    return run(parts, code, 'editor', { uri: document.uri, range: toRange(range) });
}

function toRange(range: vscode.Range): Range {
    return {
        start: { line: range.start.line, character: range.start.character },
        end: { line: range.end.line, character: range.end.character },
    };
}

// ---------------------------------------------------------------------------
// The kernel

async function interrupt(parts: Parts) {
    const { session } = parts;
    if (!session.isReady && session.pending.length === 0) {
        parts.notifier.status(notRunningText(parts));
        return;
    }
    if (session.pending.length === 0) {
        parts.notifier.status('Nothing is running.');
        return;
    }
    await session.interrupt();
}

async function restart(parts: Parts) {
    parts.explainTrust();
    parts.console.show(true);
    parts.diagnostics.clearAll();
    await parts.session.restart();
}

// ---------------------------------------------------------------------------
// Detached sessions

/**
 * Asks which session, listing the registry's live sessions (workspace, R
 * version, idle or busy, windows attached, age); undefined when none runs
 * or the user escapes.
 */
async function pickSession(parts: Parts, placeHolder: string): Promise<SessionEntry | undefined> {
    const sessions = listSessions();
    if (sessions.length === 0) {
        parts.notifier.status('No R session is running. Run some code to start one.');
        return undefined;
    }
    const current = parts.session.attachedSession?.id;
    const now = Date.now();
    const items = sessions.map((entry) => ({ ...sessionRow(entry, now, current), entry }));
    const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true });
    return picked?.entry;
}

/** The session a command's argument names (server or R pid, workspace folder, id), or undefined with a message. */
function namedSession(parts: Parts, target: string): SessionEntry | undefined {
    const entry = findSession(target);
    if (!entry) parts.notifier.status(`No R session matches ${target}.`);
    return entry;
}

/**
 * R: Attach to Session…: this window lets go of its session (which keeps
 * running) and attaches to the one picked, or to the one named by the
 * argument (for scripts and tests). Resolves with the session attached.
 */
async function attachSession(parts: Parts, target: unknown) {
    const entry = typeof target === 'string' ? namedSession(parts, target) : await pickSession(parts, 'Attach this window to an R session');
    if (!entry) return undefined;
    const refusal = attachRefusal(entry, parts.settings.trusted);
    if (refusal) {
        void parts.notifier.show('warning', refusal);
        return undefined;
    }
    parts.console.show(true);
    await parts.session.attach(entry);
    return parts.session.attachedSession;
}

/** R: Detach from Session: this window lets go; R keeps running. Resolves whether it detached. */
async function detachSession(parts: Parts) {
    const entry = parts.session.attachedSession;
    if (!entry) {
        parts.notifier.status(
            parts.session.isReady
                ? "This window's R is not a detached session (rbridge.session.detached is off, or no folder is open): it stops with the window."
                : 'This window is not attached to an R session.',
        );
        return false;
    }
    // R's own pid, as the reattach note and the sessions picker give it.
    const before = parts.session.state;
    const rPid = before.kind === 'idle' || before.kind === 'busy' ? before.pid : entry.rPid;
    const detached = await parts.session.detach();
    if (detached) {
        const which = rPid ? `R pid ${rPid}` : `session ${entry.id}`;
        parts.console.core.note(`Detached from the R session (${which}); it keeps running. Run code, or use "R: Attach to Session…", to attach again.`);
    }
    return detached;
}

/** R: Stop Session: ends R and its session (r/stopSession); the state becomes 'stopped'. */
async function stopSession(parts: Parts) {
    const { session } = parts;
    if (session.state.kind === 'stopped') {
        parts.notifier.status('No R session is attached to this window.');
        return false;
    }
    await session.stop();
    parts.console.core.note('The R session was stopped.');
    return true;
}

type SessionAction = 'attach' | 'stop' | 'log';

/**
 * R: Show Sessions: the registry's live sessions; the one picked can be
 * attached to, stopped, or its log opened. Scripts and tests may name the
 * session and the action: `{ session: '12345', action: 'stop' }`.
 * Resolves with the sessions listed.
 */
async function showSessions(parts: Parts, options: unknown) {
    const given = typeof options === 'object' && options !== null ? (options as { session?: unknown; action?: unknown }) : {};
    let entry: SessionEntry | undefined;
    let action: SessionAction | undefined;
    if (typeof given.session === 'string') {
        entry = namedSession(parts, given.session);
        action = given.action === 'attach' || given.action === 'stop' || given.action === 'log' ? given.action : undefined;
    } else {
        entry = await pickSession(parts, 'R sessions: pick one to attach to, stop, or see its log');
    }
    if (entry && !action) {
        const attachedHere = parts.session.attachedSession?.id === entry.id;
        const choices: { label: string; action: SessionAction }[] = [
            ...(attachedHere ? [] : [{ label: '$(plug) Attach This Window', action: 'attach' as const }]),
            { label: '$(debug-stop) Stop the Session', action: 'stop' },
            { label: '$(output) Open Its Log', action: 'log' },
        ];
        action = (await vscode.window.showQuickPick(choices, { placeHolder: `${path.basename(entry.workspace)}: session ${entry.id}` }))?.action;
    }
    if (entry && action) {
        switch (action) {
            case 'attach':
                await attachSession(parts, entry.id);
                break;
            case 'stop':
                if (parts.session.attachedSession?.id === entry.id) await stopSession(parts);
                else if (!(await terminateSession(entry.pid))) void parts.notifier.show('warning', `The R session ${entry.id} (process ${entry.pid}) did not stop.`);
                break;
            case 'log': {
                const log = path.join(registryDir(), `${entry.id}.log`);
                await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
                break;
            }
        }
    }
    return listSessions();
}

function clearQueue(parts: Parts) {
    const cancelled = parts.session.clearQueue();
    parts.notifier.status(cancelled === 0 ? 'Nothing is queued.' : `Cancelled ${cancelled} queued ${cancelled === 1 ? 'execution' : 'executions'}.`);
    return cancelled;
}

function showConsole(parts: Parts) {
    parts.console.show(false);
    const state = parts.session.state.kind;
    if (state === 'stopped' || state === 'detached') {
        parts.explainTrust();
        void parts.session.start();
    }
}

/** The language of the console transcript: its grammar (syntaxes/r-console.tmLanguage.json) colours prompts, code, values, errors and warnings. */
export const TRANSCRIPT_LANGUAGE = 'r-console';

/**
 * Opens what the console shows as a read-only document (transcriptDocument.ts),
 * to search, copy or keep (Save As); it follows the console while open and
 * never asks to be saved. Resolves with the document.
 */
async function openTranscript(parts: Parts) {
    const content = parts.console.core.transcriptText();
    if (content === undefined) {
        parts.notifier.status('Nothing has run in R yet: the console transcript is empty.');
        return undefined;
    }
    const document = await openTranscriptDocument();
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    // The newest output is what one usually looks for: start at the end.
    const end = document.lineAt(document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    editor.revealRange(new vscode.Range(end, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return document;
}

function notRunningText(parts: Parts): string {
    const state = parts.session.state;
    if (state.kind === 'dead') return `R is not running: ${state.reason}`;
    if (state.kind === 'starting' || state.kind === 'restarting') return 'R is starting.';
    return 'R is not running. Run some code, or use "R: Restart R", to start it.';
}

// ---------------------------------------------------------------------------
// Variables

/**
 * Asks R to describe the global environment afresh; the new list arrives as
 * r/symbolsChanged. While R runs code the request waits in the server's
 * queue; the view shows its progress bar meanwhile.
 */
async function refreshVariables(parts: Parts) {
    const { session } = parts;
    if (!session.isReady) {
        parts.notifier.status(notRunningText(parts));
        return;
    }
    await vscode.window.withProgress({ location: { viewId: 'rbridge.variables' } }, () => session.variables({ refresh: true, count: 0 }));
}

/** The name of a top-level variable from a tree row, a name, or a pick. */
async function chooseVariable(parts: Parts, target: unknown, placeHolder: string): Promise<string | undefined> {
    if (target instanceof VariableNode) return target.variable.path[0];
    if (typeof target === 'string') return target;
    const names = parts.variables.variables.map((v) => v.name);
    if (names.length === 0) {
        parts.notifier.status(parts.session.isReady ? 'The global environment is empty.' : notRunningText(parts));
        return undefined;
    }
    return vscode.window.showQuickPick(names, { placeHolder });
}

async function removeVariable(parts: Parts, target: unknown) {
    if (!parts.session.isReady && !(target instanceof VariableNode)) {
        parts.notifier.status(notRunningText(parts));
        return undefined;
    }
    const name = await chooseVariable(parts, target, 'Variable to remove from the global environment');
    if (name === undefined) return undefined;
    return run(parts, `rm(${quoteName(name)})`, 'variables');
}

async function clearWorkspace(parts: Parts, options: unknown) {
    if (!parts.session.isReady) {
        parts.notifier.status(notRunningText(parts));
        return undefined;
    }
    const count = parts.variables.variables.length;
    if (count === 0) {
        parts.diagnostics.clearAll();
        parts.notifier.status('The global environment is already empty.');
        return undefined;
    }
    // Tests (and scripts) pass { confirm: false } to skip the question.
    const confirm = !(typeof options === 'object' && options !== null && (options as { confirm?: unknown }).confirm === false);
    if (confirm) {
        const answer = await vscode.window.showWarningMessage(
            `Remove all ${count} ${count === 1 ? 'variable' : 'variables'} from R's global environment?`,
            { modal: true, detail: 'This runs rm(list = ls()). It cannot be undone.' },
            'Clear Workspace',
        );
        if (answer !== 'Clear Workspace') return undefined;
    }
    parts.diagnostics.clearAll();
    return run(parts, 'rm(list = ls())', 'variables');
}

function variableNode(parts: Parts, node: unknown): VariableNode | undefined {
    if (node instanceof VariableNode) return node;
    parts.notifier.status('Use this command from a row of the Variables view.');
    return undefined;
}

async function copyName(parts: Parts, node: unknown) {
    const target = variableNode(parts, node);
    if (!target) return undefined;
    const expression = target.expression;
    await vscode.env.clipboard.writeText(expression);
    return expression;
}

function runOnVariable(parts: Parts, node: unknown, fn: 'print' | 'str') {
    const target = variableNode(parts, node);
    if (!target) return undefined;
    return run(parts, `${fn}(${target.expression})`, 'variables');
}

async function goToError(parts: Parts) {
    if (!(await parts.errors.goToLast())) parts.notifier.status('No error to go to: no code run from an editor has failed yet.');
}
