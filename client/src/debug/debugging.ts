/**
 * VS Code's debugger for R, wired in: the debug type 'r' (its inline
 * adapter, adapter.ts), its launch configurations, "R: Debug File", and
 * the breakpoints R keeps between debug sessions (breakpoints.ts).
 *
 * A breakpoint stops R whatever ran the code (Run File, Ctrl+Enter,
 * source()); when one is hit and no R debug session runs, one is started
 * (an attach to the running R) so that the debug toolbar, the call stack
 * and the variables appear. A browser() in the code stops the debugger
 * only while a debug session runs; without one, R's console has it.
 */
import * as vscode from 'vscode';
import { AdapterContext, RDebugAdapter, UNTRUSTED_MESSAGE } from './adapter';
import type { BrowserStop, BrowserStops } from './browserStops';
import { BreakpointSession, RBreakpoints } from './breakpoints';
import type { Notifier } from '../notifier';

export const DEBUG_TYPE = 'r';
const MANAGE_TRUST = 'Manage Workspace Trust';

/** The launch configuration of "R: Debug File" (and of F5 in an R file without a launch.json). */
export function debugFileConfiguration(program = '${file}'): vscode.DebugConfiguration {
    return { type: DEBUG_TYPE, request: 'launch', name: 'R: Debug File', program };
}

export interface DebuggingContext extends Omit<AdapterContext, 'breakpoints' | 'session'> {
    session: AdapterContext['session'] & BreakpointSession;
    browserStops: BrowserStops;
    notifier: Notifier;
    log: vscode.LogOutputChannel;
}

export class Debugging implements vscode.Disposable {
    readonly breakpoints: RBreakpoints;
    /** The adapters of the R debug sessions that run (not ended). */
    private readonly adapters = new Set<RDebugAdapter>();
    /** An attach asked for after a breakpoint hit, not started yet. */
    private attaching = false;
    private readonly subscriptions: vscode.Disposable[] = [];

    constructor(private readonly context: DebuggingContext) {
        this.breakpoints = new RBreakpoints(context.session, context.log);
        this.subscriptions.push(
            this.breakpoints,
            vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
                createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(this.createAdapter()),
            }),
            vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
                provideDebugConfigurations: () => [debugFileConfiguration()],
                resolveDebugConfiguration: (_folder, configuration) => this.resolve(configuration),
            }),
            // Offered in the Run and Debug view's list without a launch.json.
            vscode.debug.registerDebugConfigurationProvider(
                DEBUG_TYPE,
                {
                    provideDebugConfigurations: () => [
                        debugFileConfiguration(),
                        { type: DEBUG_TYPE, request: 'attach', name: 'R: Debug the Session (stop at breakpoints and browser())' },
                    ],
                },
                vscode.DebugConfigurationProviderTriggerKind.Dynamic,
            ),
            context.browserStops.onDidStop((stop) => this.stopWithoutSession(stop)),
        );
    }

    /** A new adapter for an R debug session (VS Code's, or a test's speaking DAP to it directly). */
    createAdapter(): RDebugAdapter {
        const adapter = new RDebugAdapter({ ...this.context, breakpoints: this.breakpoints });
        this.adapters.add(adapter);
        adapter.onDidEnd(() => this.adapters.delete(adapter));
        return adapter;
    }

    /**
     * Fills in a configuration before VS Code starts it: F5 in an R file
     * without a launch.json debugs that file; a launch without `program`
     * debugs the active file. Refused (undefined) in an untrusted workspace.
     */
    private resolve(configuration: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
        if (!configuration.type && !configuration.request && !configuration.name) {
            if (vscode.window.activeTextEditor?.document.languageId !== 'r') {
                this.context.notifier.status('Open an R file to debug it.');
                return undefined;
            }
            configuration = debugFileConfiguration();
        }
        if (configuration.request === 'launch') {
            if (!this.context.trusted()) {
                refuseUntrusted(this.context.notifier);
                return undefined;
            }
            if (!configuration.program) configuration.program = '${file}';
        }
        return configuration;
    }

    /**
     * R stopped at a breakpoint and no R debug session runs (the code ran
     * from the console, Run File, Ctrl+Enter, source()): start one, which
     * shows this stop. A browser() stop stays the console's.
     */
    private stopWithoutSession(stop: BrowserStop): void {
        if (stop.breakpointId === undefined || this.adapters.size > 0 || this.attaching || !this.context.trusted()) return;
        this.attaching = true;
        const folder = vscode.workspace.workspaceFolders?.[0];
        const configuration = { type: DEBUG_TYPE, request: 'attach', name: 'R', executionId: stop.executionId };
        void Promise.resolve(vscode.debug.startDebugging(folder, configuration)).then(
            (started) => {
                this.attaching = false;
                if (!started) this.context.log.warn('a breakpoint was hit, but the R debug session did not start');
            },
            (error: unknown) => {
                this.attaching = false;
                this.context.log.warn(`a breakpoint was hit, but the R debug session did not start: ${String(error)}`);
            },
        );
    }

    dispose(): void {
        for (const s of this.subscriptions) s.dispose();
        for (const adapter of this.adapters) adapter.dispose();
        this.adapters.clear();
    }
}

function refuseUntrusted(notifier: Notifier): void {
    void notifier.show('warning', UNTRUSTED_MESSAGE, MANAGE_TRUST).then((choice) => {
        if (choice === MANAGE_TRUST) void vscode.commands.executeCommand('workbench.trust.manage');
    });
}

/**
 * R: Debug File: debugs the file given (the editor title's Run menu passes
 * it) or the active R editor's, as a launch of type 'r'. Resolves whether
 * the debug session started.
 */
export async function debugFile(parts: { settings: { trusted: boolean }; notifier: Notifier }, target: unknown): Promise<boolean> {
    if (!parts.settings.trusted) {
        refuseUntrusted(parts.notifier);
        return false;
    }
    let uri: vscode.Uri | undefined;
    if (target instanceof vscode.Uri) uri = target;
    else if (vscode.window.activeTextEditor?.document.languageId === 'r') uri = vscode.window.activeTextEditor.document.uri;
    if (!uri) {
        parts.notifier.status('Open an R file to debug it.');
        return false;
    }
    const program = uri.scheme === 'file' ? uri.fsPath : uri.toString();
    return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(uri), debugFileConfiguration(program));
}
