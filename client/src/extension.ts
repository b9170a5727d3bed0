/**
 * R Bridge for VS Code: a live R session behind the language server in
 * dist/server.js. This file only wires the parts together: it creates the
 * session (server and R), the R console, the variables view, the status
 * bar, the progress of long executions, the diagnostics, error locations,
 * settings and trust, the user feedback (feedback.ts) and the commands, and
 * connects their events. activate() returns the API that tests use (api.ts).
 */
import * as vscode from 'vscode';
import type { InputParams, InputResult } from '../../common/protocol';
import { RBridgeApi } from './api';
import { BusyProgress } from './busyProgress';
import { Parts, registerCommands, run, runDocument } from './commands';
import { RConsole } from './console/consoleTerminal';
import { RunDiagnostics } from './diagnostics';
import { ErrorLocations } from './errorLocations';
import { Feedback, FeedbackAction } from './feedback';
import { mayStartAutomatically } from './launchOptions';
import { Notifier } from './notifier';
import { PlotsView } from './plots/plotsView';
import { DataViews } from './dataView/dataViews';
import { HelpPanel } from './help/helpPanel';
import { Jobs } from './jobs/jobs';
import { ConsoleCompletion } from './language/consoleCompletion';
import { reattachText } from './detachedSessions';
import { listSessions } from '../../common/sessions';
import { registerRKeys } from './rKeys';
import { RSession } from './session';
import { Settings } from './settings';
import { KernelStatusBar } from './statusBar';
import { TranscriptDocuments } from './transcriptDocument';
import { VariablesTreeProvider } from './variablesTree';
import { BrowserStops, isBrowserStop } from './debug/browserStops';
import { Debugging } from './debug/debugging';
import { CurrentLine } from './debug/currentLine';

const HISTORY_KEY = 'rbridge.consoleHistory';
const INSTALL_R_URL = 'https://cloud.r-project.org';

let activeSession: RSession | undefined;

export function activate(context: vscode.ExtensionContext): RBridgeApi {
    const log = vscode.window.createOutputChannel('R Bridge', { log: true });
    const settings = new Settings();
    const notifier = new Notifier();
    const session = new RSession(context.asAbsolutePath('dist/server.js'), settings, log, context.globalState);
    activeSession = session;
    const completion = new ConsoleCompletion(() => session.languageClient);

    const rconsole = new RConsole(
        {
            execute: (code, echo) => {
                if (notRunning(session)) feedback.explainTrust();
                return session.execute({ code, origin: 'console', echo, stopOnError: settings.values.stopOnError });
            },
            interrupt: () => void session.interrupt(),
            historyChanged: (entries) => void context.globalState.update(HISTORY_KEY, entries.slice(-1000)),
            // R prints as wide as the console, in colour (the console shows 256).
            resized: (columns) => session.setConsole({ width: columns, colors: 256 }),
            // Tab: the server's completion, as in R editors.
            complete: (text, cursor, before) => completion.complete(text, cursor, before),
        },
        { history: context.globalState.get<string[]>(HISTORY_KEY, []) },
    );
    // The console shows colours: R may use them from the start (the width follows when the console opens).
    session.setConsole({ colors: 256 });
    const actions: Record<FeedbackAction, () => unknown> = {
        restart: () => vscode.commands.executeCommand('rbridge.restart'),
        start: () => session.start(),
        retryStart: () => session.restart(),
        showLog: () => log.show(),
        openRPathSetting: () => Settings.open('rPath'),
        openSettings: () => Settings.open(),
        installR: () => vscode.env.openExternal(vscode.Uri.parse(INSTALL_R_URL)),
        manageTrust: () => vscode.commands.executeCommand('workbench.trust.manage'),
        replaceSession: () => session.replaceIncompatibleSession(),
    };
    const feedback = new Feedback(
        {
            note: (text, style) => rconsole.core.note(text, style),
            abandonInput: () => rconsole.core.abandonInput(),
            notify: (severity, message, ...buttons) => notifier.show(severity, message, ...buttons),
            act: (action) => void actions[action](),
        },
        {
            cwd: () => session.initializationOptions?.cwd,
            trusted: () => settings.trusted,
            launchedTrusted: () => session.initializationOptions?.workspaceTrusted,
        },
    );
    const errors = new ErrorLocations((terminal) => terminal === rconsole.terminalInstance);
    const diagnostics = new RunDiagnostics();
    const browserStops = new BrowserStops();
    const currentLine = new CurrentLine(browserStops, vscode.Uri.file(context.asAbsolutePath('media/currentLine.svg')));
    const variables = new VariablesTreeProvider(session, browserStops);
    const treeView = vscode.window.createTreeView('rbridge.variables', { treeDataProvider: variables, showCollapseAll: true });
    const statusBar = new KernelStatusBar(session, () => settings.trusted);
    const progress = new BusyProgress(session);
    const plots = new PlotsView(context.extensionUri, session, settings, notifier, log, context.globalState);
    const dataViews = new DataViews(context.extensionUri, session, log, notifier);
    const jobs = new Jobs(session, notifier, log);
    const help = new HelpPanel(context.extensionUri, {
        help: async (params, token) => {
            // Asking for help is an explicit command: it starts R if needed.
            if (notRunning(session)) feedback.explainTrust();
            await session.ensureKernel();
            // R that is still starting cannot answer yet (r/help needs a kernel): the page waits for it.
            await session.whenReady();
            return session.help(params, token);
        },
        whenIdle: (token) => whenIdle(session, token),
        runExample: (code) => run(parts, code, 'help'),
        log,
    });
    const askedInput = new vscode.EventEmitter<{ prompt: string; via: 'console' | 'inputBox' }>();

    const parts: Parts = {
        session,
        settings,
        console: rconsole,
        variables,
        plots,
        dataViews,
        help,
        jobs,
        errors,
        diagnostics,
        notifier,
        log,
        explainTrust: () => feedback.explainTrust(),
        browserStops,
    };

    // VS Code's debugger for R: the debug type 'r', its adapter, and the breakpoints R keeps.
    const debugging = new Debugging({
        session,
        browserStops,
        notifier,
        log,
        trusted: () => settings.trusted,
        explainTrust: () => feedback.explainTrust(),
        runDocument: (document) => runDocument(parts, document),
    });

    // R asks for a line: in the console when it is there, else in an input box.
    session.inputHandler = (params: InputParams, token: vscode.CancellationToken): Promise<InputResult> => {
        // R's browser: the console, the editor, the variables view and the debugger all hear of it; the first answer wins.
        if (isBrowserStop(params)) return browserStops.handle(params, token, (t) => askInput(params, t));
        return askInput(params, token);
    };
    const askInput = (params: InputParams, token: vscode.CancellationToken): Promise<InputResult> => {
        if (rconsole.exists) {
            // Under VS Code's debugger the focus stays where the user steps from (the editor, the toolbar).
            rconsole.show(isBrowserStop(params) && vscode.debug.activeDebugSession?.type === 'r');
            askedInput.fire({ prompt: params.prompt, via: 'console' });
            // At R's browser prompt the console keeps what is typed in its history, as R's console does.
            return rconsole.core.requestInput(params.prompt, token, { browser: isBrowserStop(params) });
        }
        askedInput.fire({ prompt: params.prompt, via: 'inputBox' });
        return askWithInputBox(params, token);
    };

    context.subscriptions.push(
        log,
        settings,
        notifier,
        rconsole,
        errors,
        diagnostics,
        variables,
        treeView,
        variables.watch(treeView),
        new TranscriptDocuments({ text: () => rconsole.core.transcriptText(), onDidWrite: (listener) => rconsole.core.onDidWrite(listener) }),
        ...registerRKeys(settings, () => rconsole.terminalInstance),
        statusBar,
        progress,
        plots,
        dataViews,
        help,
        jobs,
        askedInput,
        browserStops,
        currentLine,
        browserStops.onDidAnswerElsewhere(({ command }) => rconsole.core.answeredElsewhere(command)),
        session.onDidExecute(() => browserStops.executionEnded()),
        ...registerCommands(parts),
        session.onShowHelp((p) => help.showPage(p)),
        session.onShowHelpMatches((p) => help.showMatches(p.query, p.matches)),
        session.onOutput((p) => rconsole.core.output(p.stream, p.text)),
        session.onCondition((p) => diagnostics.condition(p)),
        session.onDidStartExecution(() => rconsole.core.executionStarted()),
        session.onDidChangeExecutions(() => rconsole.core.setBusy(session.pending.length > 0)),
        session.onDidExecute((record) => {
            diagnostics.executed(record.result);
            feedback.executed(record, errors.record(record.result));
        }),
        session.onDidChangeState((state) => feedback.stateChanged(state)),
        session.onNote(({ text, style }) => rconsole.core.note(text, style)),
        session.onDidAttach(() => statusBar.update()),
        session.onDidAttach(({ info, reattached, backlog }) => {
            if (!reattached || !info) return;
            const state = session.state;
            rconsole.core.note(reattachText(info, state.kind === 'idle' || state.kind === 'busy' ? state : {}));
            // What was printed meanwhile, or what still runs, is in the console: show it (without taking the focus).
            if (info.running || backlog > 0) rconsole.show(true);
            // Plots drawn before the reload are still the session's.
            plots.catchUp();
        }),
        session.onNotice((p) => feedback.notice(p)),
        settings.onDidChange((names) => {
            if (Settings.affectsLaunch(names)) feedback.launchSettingsChanged(session.state);
        }),
        settings.onDidChangeTrust((trusted) => {
            if (trusted) feedback.trustGranted(session.state);
        }),
    );

    const autoStart = async (): Promise<boolean> => {
        if (!mayStartAutomatically(settings.trusted)) return false;
        await session.start();
        return true;
    };
    // A trusted workspace gets R at once, so that the first run is fast.
    void autoStart();

    const api: RBridgeApi = {
        kernelReady: async () => {
            if (notRunning(session)) await session.start();
            return session.whenReady();
        },
        state: () => session.state,
        onDidChangeState: session.onDidChangeState,
        onDidStartExecution: session.onDidStartExecution,
        onDidExecute: session.onDidExecute,
        lastResult: () => session.lastExecution,
        pending: () => session.pending,
        onDidChangePending: session.onDidChangeExecutions,
        execute: (code) => session.execute({ code, origin: 'api', echo: false, stopOnError: true }),
        status: () => ({ view: statusBar.view, progressVisible: progress.visible }),
        progress: { onDidChangeVisibility: progress.onDidChangeVisibility, cancel: () => progress.cancel() },
        console: {
            text: () => rconsole.core.text(),
            onDidWrite: (listener) => rconsole.core.onDidWrite(listener),
            onDidChange: (listener) => rconsole.core.onDidChange(listener),
            type: (data) => rconsole.core.input(data),
            flush: () => rconsole.core.flush(),
            exists: () => rconsole.exists,
            awaitingInput: () => rconsole.core.awaitingInput,
            terminal: () => rconsole.terminalInstance,
        },
        variablesTree: variables,
        browser: {
            current: () => browserStops.current,
            browsing: () => browserStops.browsing,
            highlight: () => currentLine.current,
            onDidStop: browserStops.onDidStop,
            onDidExit: browserStops.onDidExit,
            onDidHighlight: currentLine.onDidMove,
        },
        plots: {
            list: () => plots.list,
            current: () => plots.current,
            index: () => plots.index,
            viewSize: () => plots.viewSize,
            shown: () => plots.shown,
            banner: () => plots.bannerText,
            isOpen: () => plots.isOpen,
            zoomed: () => plots.zoomPanels.map((z) => ({ plotId: z.plotId, shown: z.shown })),
            onDidChange: plots.onDidChange,
            onDidShowImage: plots.onDidShowImage,
        },
        jobs: jobs.api(),
        dataViews: {
            list: () => dataViews.snapshots(),
            get: (viewId) => dataViews.view(viewId)?.snapshot(),
            request: (viewId, request) => {
                const view = dataViews.view(viewId);
                if (!view) return Promise.reject(new Error(`no data view ${viewId} is open`));
                return view.request(request);
            },
            copySelection: (viewId, select) => dataViews.view(viewId)?.copySelection(select),
            close: (viewId) => dataViews.view(viewId)?.dispose(),
            onDidChange: dataViews.onDidChange,
        },
        help: {
            isOpen: () => help.isOpen,
            current: () => help.current,
            shown: () => help.shown,
            canGoBack: () => help.canGoBack,
            canGoForward: () => help.canGoForward,
            back: () => help.back(),
            forward: () => help.forward(),
            search: (text, words) => help.search(text, words),
            click: (target) => help.click({ type: 'click', ...target }),
            onDidChange: help.onDidChange,
            onDidShow: help.onDidShow,
        },
        errors: {
            last: () => errors.last,
            diagnostics: (uri) => diagnostics.diagnosticsFor(uri),
            linksIn: (line) => {
                const terminal = rconsole.terminalInstance;
                if (!terminal) return [];
                return errors.provideTerminalLinks({ line, terminal }).map(({ startIndex, length }) => ({ startIndex, length }));
            },
        },
        initializationOptions: () => session.initializationOptions,
        sessions: {
            attached: () => session.attachedSession,
            info: () => session.sessionInfo,
            list: () => listSessions(),
            onDidAttach: session.onDidAttach,
        },
        nextInitializationOptions: () => settings.initializationOptions(),
        notices: { all: () => notifier.notices, onDidNotify: notifier.onDidNotify, answerWith: (answer) => (notifier.answer = answer) },
        onDidAskInput: askedInput.event,
        debug: { createAdapter: () => debugging.createAdapter() },
        testing: {
            overrideTrust: (trusted) => {
                settings.overrideTrust(trusted);
                feedback.forgetTrustExplanation();
                statusBar.update();
            },
            stop: () => session.stop(),
            detach: () => session.detach(),
            mayStartAutomatically: () => mayStartAutomatically(settings.trusted),
            autoStart,
        },
    };
    return api;
}

/** No server runs for this window: never started, stopped, or let go of its detached session. */
function notRunning(session: RSession): boolean {
    return session.state.kind === 'stopped' || session.state.kind === 'detached';
}

export async function deactivate(): Promise<void> {
    // Over stdio, stops the server gently (R gets its shutdown) before VS
    // Code goes; a detached session only loses this window (a reload
    // attaches to it again).
    await activeSession?.dispose();
    activeSession = undefined;
}

/** Resolves when R runs nothing and nothing waits to run (or when `token` is cancelled). */
function whenIdle(session: RSession, token: vscode.CancellationToken): Promise<void> {
    const idle = () => session.pending.length === 0 && session.state.kind !== 'busy';
    if (idle() || token.isCancellationRequested) return Promise.resolve();
    return new Promise((resolve) => {
        const finish = () => {
            for (const s of subscriptions) s.dispose();
            resolve();
        };
        const check = () => {
            if (idle()) finish();
        };
        const subscriptions = [session.onDidChangeExecutions(check), session.onDidChangeState(check), token.onCancellationRequested(finish)];
    });
}

function askWithInputBox(params: InputParams, token: vscode.CancellationToken): Promise<InputResult> {
    return Promise.resolve(
        vscode.window.showInputBox(
            {
                title: 'R asks for input',
                prompt: params.prompt.trim() || 'R is waiting for a line of input.',
                ignoreFocusOut: true,
            },
            token,
        ),
    ).then((text) => {
        // Escape: R stops the code that asked, as Ctrl+C would.
        if (text === undefined) throw new Error('input cancelled');
        return { text };
    });
}
