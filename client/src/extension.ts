/**
 * R Bridge for VS Code: a live R session behind the language server in
 * dist/server.js. This file wires the parts together: the session (server
 * and R), the R console, the variables view, the status bar, the progress
 * of long executions, error locations, settings and trust, and the
 * commands. activate() returns the API that tests use (api.ts).
 */
import * as vscode from 'vscode';
import type { InputParams, InputResult } from '../../common/protocol';
import { RBridgeApi } from './api';
import { BusyProgress } from './busyProgress';
import { Parts, registerCommands } from './commands';
import { RConsole } from './console/consoleTerminal';
import { ErrorLocations } from './errorLocations';
import { isRNotFound, mayStartAutomatically } from './launchOptions';
import { Notifier } from './notifier';
import { RSession, SessionState } from './session';
import { Settings } from './settings';
import { KernelStatusBar } from './statusBar';
import { VariablesTreeProvider } from './variablesTree';

const HISTORY_KEY = 'rbridge.consoleHistory';
const INSTALL_R_URL = 'https://cloud.r-project.org';

let activeSession: RSession | undefined;

export function activate(context: vscode.ExtensionContext): RBridgeApi {
    const log = vscode.window.createOutputChannel('R Bridge', { log: true });
    const settings = new Settings();
    const notifier = new Notifier();
    const session = new RSession(context.asAbsolutePath('dist/server.js'), settings, log);
    activeSession = session;

    const rconsole = new RConsole(
        {
            execute: (code, echo) => {
                if (session.state.kind === 'stopped') explainTrust();
                return session.execute({ code, origin: 'console', echo, stopOnError: settings.values.stopOnError });
            },
            interrupt: () => void session.interrupt(),
            historyChanged: (entries) => void context.globalState.update(HISTORY_KEY, entries.slice(-1000)),
        },
        { history: context.globalState.get<string[]>(HISTORY_KEY, []) },
    );
    const errors = new ErrorLocations((terminal) => terminal === rconsole.terminalInstance);
    const variables = new VariablesTreeProvider(session);
    const treeView = vscode.window.createTreeView('rbridge.variables', { treeDataProvider: variables, showCollapseAll: true });
    const statusBar = new KernelStatusBar(session, () => settings.trusted);
    const progress = new BusyProgress(session);
    const askedInput = new vscode.EventEmitter<{ prompt: string; via: 'console' | 'inputBox' }>();

    // In an untrusted workspace R starts only on an explicit command; the
    // first time, the user is told what is different.
    let toldAboutTrust = false;
    function explainTrust(): void {
        if (settings.trusted || toldAboutTrust) return;
        toldAboutTrust = true;
        void notifier
            .show(
                'info',
                "This workspace is not trusted: R starts without running the workspace's .Rprofile, and the workspace's own R settings (R path, arguments, environment, working directory) are ignored.",
                'Manage Workspace Trust',
            )
            .then((choice) => {
                if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
            });
    }

    const parts: Parts = { session, settings, console: rconsole, variables, errors, notifier, log, explainTrust };

    // R asks for a line: in the console when it is there, else in an input box.
    session.inputHandler = (params: InputParams, token: vscode.CancellationToken): Promise<InputResult> => {
        if (rconsole.exists) {
            rconsole.show(false);
            askedInput.fire({ prompt: params.prompt, via: 'console' });
            return rconsole.core.requestInput(params.prompt, token);
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
        variables,
        treeView,
        statusBar,
        progress,
        askedInput,
        ...registerCommands(parts),
        session.onOutput((p) => rconsole.core.output(p.stream, p.text)),
        session.onDidStartExecution(() => rconsole.core.executionStarted()),
        session.onDidChangeExecutions(() => rconsole.core.setBusy(session.pending.length > 0)),
        session.onDidExecute(({ request, result, wroteStderr }) => {
            if ((result.status === 'error' || result.status === 'parseError') && !wroteStderr && result.error) {
                // R printed nothing (the kernel itself failed, or a NUL in the
                // code): the console must still say what went wrong.
                rconsole.core.note(`Error: ${result.error.message}`, 'error');
            }
            const location = errors.record(result);
            if (location) rconsole.core.note(location, 'location');
            if (result.status === 'incomplete' && request.origin !== 'console') {
                rconsole.core.note('Error: incomplete expression: the code ends in the middle of an expression (an unclosed bracket or string?).', 'error');
            }
            if (result.status === 'interrupted') rconsole.core.note('Interrupted.');
        }),
        session.onNotice((p) => {
            if (!p.reason) return;
            rconsole.core.note(p.reason, 'warning');
            void notifier.show('warning', p.reason, 'Restart R').then((choice) => {
                if (choice) void vscode.commands.executeCommand('rbridge.restart');
            });
        }),
        session.onServerGone(({ restarting }) => {
            rconsole.core.abandonInput();
            if (restarting) return;
            void notifier
                .show('error', 'The R Bridge server stopped unexpectedly twice within 3 minutes and was not started again.', 'Restart R', 'Show Log')
                .then((choice) => {
                    if (choice === 'Restart R') void vscode.commands.executeCommand('rbridge.restart');
                    else if (choice === 'Show Log') log.show();
                });
        }),
        watchKernelState(session, rconsole, notifier),
        settings.onDidChange((names) => {
            if (!Settings.affectsLaunch(names)) return;
            const state = session.state;
            if (state.kind === 'stopped') return;
            if (state.kind === 'dead' && state.startFailed) {
                // R could not start; the new settings may fix that: try at once.
                void session.restart();
                return;
            }
            void notifier
                .show('info', 'The R settings changed. Restart R to use them? (The global environment will be emptied.)', 'Restart R')
                .then((choice) => {
                    if (choice) void vscode.commands.executeCommand('rbridge.restart');
                });
        }),
        settings.onDidChangeTrust((trusted) => {
            if (!trusted) return;
            const state = session.state;
            if (state.kind === 'stopped') {
                void session.start();
            } else if (session.initializationOptions?.workspaceTrusted === false) {
                void notifier
                    .show('info', "The workspace is trusted now. Restart R so that it runs the workspace's .Rprofile?", 'Restart R')
                    .then((choice) => {
                        if (choice) void vscode.commands.executeCommand('rbridge.restart');
                    });
            }
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
            if (session.state.kind === 'stopped') await session.start();
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
        errors: {
            last: () => errors.last,
            diagnostics: (uri) => errors.diagnosticsFor(uri),
            linksIn: (line) => {
                const terminal = rconsole.terminalInstance;
                if (!terminal) return [];
                return errors.provideTerminalLinks({ line, terminal }).map(({ startIndex, length }) => ({ startIndex, length }));
            },
        },
        initializationOptions: () => session.initializationOptions,
        nextInitializationOptions: () => settings.initializationOptions(),
        notices: { all: () => notifier.notices, onDidNotify: notifier.onDidNotify },
        onDidAskInput: askedInput.event,
        testing: {
            overrideTrust: (trusted) => {
                settings.overrideTrust(trusted);
                toldAboutTrust = false;
                statusBar.update();
            },
            stop: () => session.stop(),
            mayStartAutomatically: () => mayStartAutomatically(settings.trusted),
            autoStart,
        },
    };
    return api;
}

export async function deactivate(): Promise<void> {
    // Stops the server gently (R gets its shutdown) before VS Code goes.
    await activeSession?.dispose();
    activeSession = undefined;
}

/**
 * Tells the user what happens to R: in the console, every start, restart and
 * death; as a notification, what needs them (R not found, R could not start,
 * R died and will not come back by itself).
 */
function watchKernelState(session: RSession, rconsole: RConsole, notifier: Notifier): vscode.Disposable {
    let previous: SessionState = session.state;
    return session.onDidChangeState((state) => {
        const before = previous;
        previous = state;
        switch (state.kind) {
            case 'idle':
                if (before.kind === 'starting' || before.kind === 'restarting') {
                    const version = state.rVersion ? `R ${state.rVersion}` : 'R';
                    const cwd = session.initializationOptions?.cwd;
                    rconsole.core.note(`${version} is ready${cwd ? ` (working directory: ${cwd})` : ''}.`);
                }
                return;
            case 'restarting':
                rconsole.core.note('Restarting R…');
                return;
            case 'dead':
                if (before.kind === 'dead' && before.reason === state.reason) return;
                reportDeath(state, before, session, rconsole, notifier);
                return;
            default:
                return;
        }
    });
}

function reportDeath(
    state: Extract<SessionState, { kind: 'dead' }>,
    before: SessionState,
    session: RSession,
    rconsole: RConsole,
    notifier: Notifier,
): void {
    if (state.startFailed && isRNotFound(state.reason)) {
        const tried = /tried '([^']*)'/.exec(state.reason)?.[1];
        rconsole.core.note(`R was not found${tried ? ` (tried '${tried}')` : ''}.`, 'error');
        void notifier
            .show(
                'error',
                `R was not found${tried ? ` (tried '${tried}')` : ''}. Install R, or set "rbridge.rPath" to the R executable.`,
                'Open Setting',
                'Install R',
            )
            .then((choice) => {
                if (choice === 'Open Setting') void Settings.open('rPath');
                else if (choice === 'Install R') void vscode.env.openExternal(vscode.Uri.parse(INSTALL_R_URL));
            });
        return;
    }
    if (state.startFailed) {
        rconsole.core.note(`R could not be started: ${state.reason}`, 'error');
        void notifier.show('error', `R could not be started: ${state.reason}`, 'Show Log', 'Open Settings').then((choice) => {
            if (choice === 'Show Log') void vscode.commands.executeCommand('rbridge.showLog');
            else if (choice === 'Open Settings') void Settings.open('rPath');
        });
        return;
    }
    if (state.serverExited) {
        // The server itself stopped; onServerGone tells the user what follows.
        rconsole.core.note(state.reason, 'error');
        return;
    }
    rconsole.core.note(`R died: ${state.reason}`, 'error');
    // With autoRestart (as the running server was started with it) the
    // server brings R back by itself, unless it has given up: a second
    // 'dead' in a row says so. Then, and without autoRestart, the user
    // decides.
    const willRestart = session.initializationOptions?.autoRestart === true && before.kind !== 'dead';
    if (willRestart) {
        rconsole.core.note('R will be restarted.');
        return;
    }
    void notifier.show('warning', `R died: ${state.reason}`, 'Restart R').then((choice) => {
        if (choice) void vscode.commands.executeCommand('rbridge.restart');
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
