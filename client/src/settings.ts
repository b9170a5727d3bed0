/**
 * The one place that reads the `rbridge.*` settings: typed values with
 * their defaults, change events naming the settings that changed, and
 * workspace trust. Nothing else in the extension calls getConfiguration.
 */
import * as vscode from 'vscode';
import type { InitializationOptions, JobsOptions } from '../../common/protocol';
import { DEFAULT_SETTINGS, LAUNCH_SETTINGS, RBridgeSettings, initializationOptions } from './launchOptions';

export type SettingName = keyof RBridgeSettings;
export type PipeOperator = '|>' | '%>%';
/** When the Plots view opens by itself (`rbridge.plots.openOn`). */
export type PlotsOpenOn = 'newPlot' | 'never';
/** Detached sessions (`rbridge.session.*`). */
export interface SessionSettings {
    /** Start R as a detached session that outlives the window. */
    detached: boolean;
    /** Minutes a session with no window attached lives on (0: for ever). */
    idleTimeoutMinutes: number;
}
/** Background jobs (`rbridge.jobs.*`). */
export interface JobsSettings extends JobsOptions {
    /** Jobs started from an editor get the session's global variables their code uses. */
    copyGlobals: boolean;
}
export interface PlotsSettings {
    openOn: PlotsOpenOn;
    /** The plots' background, as R names colours (`rbridge.plots.background`). */
    background: string;
}
const SECTION = 'rbridge';
const EXTENSION_ID = 'rbridge.rbridge';
const USER_SETTINGS_COMMAND = 'workbench.action.openSettings';
const REMOTE_SETTINGS_COMMAND = 'workbench.action.openRemoteSettings';

/** The command that opens the Settings editor on the tab where R Bridge's settings live: Remote in a remote window, else User. */
export function settingsCommand(remoteName: string | undefined): string {
    return remoteName ? REMOTE_SETTINGS_COMMAND : USER_SETTINGS_COMMAND;
}
const NAMES = Object.keys(DEFAULT_SETTINGS) as SettingName[];

export class Settings implements vscode.Disposable {
    private readonly changed = new vscode.EventEmitter<Set<SettingName>>();
    private readonly trustChanged = new vscode.EventEmitter<boolean>();
    private readonly plotsChanged = new vscode.EventEmitter<void>();
    private readonly subscriptions: vscode.Disposable[] = [];
    /** Set by tests to act as if the workspace were (un)trusted; undefined: VS Code decides. */
    private trustOverride: boolean | undefined;

    /** Fires with the names of the `rbridge.*` settings that changed. */
    readonly onDidChange = this.changed.event;
    /** Fires when the workspace becomes trusted (or a test says so). */
    readonly onDidChangeTrust = this.trustChanged.event;
    /** Fires when a `rbridge.plots.*` setting changed. */
    readonly onDidChangePlots = this.plotsChanged.event;

    constructor() {
        this.subscriptions.push(
            vscode.workspace.onDidChangeConfiguration((e) => {
                const names = new Set(NAMES.filter((name) => e.affectsConfiguration(`${SECTION}.${name}`)));
                if (names.size) this.changed.fire(names);
                if (e.affectsConfiguration(`${SECTION}.plots`)) this.plotsChanged.fire();
            }),
            vscode.workspace.onDidGrantWorkspaceTrust(() => {
                if (this.trustOverride === undefined) this.trustChanged.fire(true);
            }),
            this.changed,
            this.trustChanged,
            this.plotsChanged,
        );
    }

    get values(): RBridgeSettings {
        const config = vscode.workspace.getConfiguration(SECTION);
        return {
            rPath: stringOr(config.get('rPath'), DEFAULT_SETTINGS.rPath),
            rArgs: stringArrayOr(config.get('rArgs'), DEFAULT_SETTINGS.rArgs),
            workingDirectory: stringOr(config.get('workingDirectory'), DEFAULT_SETTINGS.workingDirectory),
            env: stringRecordOr(config.get('env'), DEFAULT_SETTINGS.env),
            autoRestart: booleanOr(config.get('autoRestart'), DEFAULT_SETTINGS.autoRestart),
            echoCode: booleanOr(config.get('echoCode'), DEFAULT_SETTINGS.echoCode),
            stopOnError: booleanOr(config.get('stopOnError'), DEFAULT_SETTINGS.stopOnError),
        };
    }

    get trusted(): boolean {
        return this.trustOverride ?? vscode.workspace.isTrusted;
    }

    /** For tests: act as if the workspace were trusted or not (undefined: back to VS Code's answer). */
    overrideTrust(trusted: boolean | undefined): void {
        const before = this.trusted;
        this.trustOverride = trusted;
        if (this.trusted !== before) this.trustChanged.fire(this.trusted);
    }

    /** What the server is to be started with now. */
    initializationOptions(): InitializationOptions {
        const { copyGlobals: _, ...jobs } = this.jobs;
        return { ...initializationOptions(this.values, { trusted: this.trusted, workspaceFolder: this.workspaceFolder }), jobs };
    }

    /** File-system path of the first workspace folder on disk: what a detached session belongs to. */
    get workspaceFolder(): string | undefined {
        return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
    }

    /**
     * The background-job settings (`rbridge.jobs.*`): the server's `jobs`
     * options, and whether jobs started from an editor get the session's
     * variables. `plan` is R code: a machine setting, restricted in
     * untrusted workspaces (package.json), so a workspace cannot set it.
     */
    get jobs(): JobsSettings {
        const config = vscode.workspace.getConfiguration(SECTION);
        const workers = config.get('jobs.workers');
        const plan = config.get('jobs.plan');
        const maxMb = config.get('jobs.maxResultSize');
        return {
            workers: typeof workers === 'number' && Number.isInteger(workers) && workers >= 1 ? workers : 2,
            ...(typeof plan === 'string' && plan.trim() ? { plan: plan.trim() } : {}),
            maxResultBytes: Math.round((typeof maxMb === 'number' && Number.isFinite(maxMb) && maxMb > 0 ? maxMb : 1024) * 1024 * 1024),
            copyGlobals: booleanOr(config.get('jobs.copyGlobals'), false),
        };
    }

    /** The detached-session settings (`rbridge.session.*`). */
    get session(): SessionSettings {
        const config = vscode.workspace.getConfiguration(SECTION);
        const idle = config.get('session.idleTimeout');
        return {
            detached: booleanOr(config.get('session.detached'), true),
            idleTimeoutMinutes: typeof idle === 'number' && Number.isFinite(idle) && idle >= 0 ? idle : 60,
        };
    }

    /** Whether a change of these settings needs a new server (they shape how R is launched). */
    static affectsLaunch(names: Set<SettingName>): boolean {
        return LAUNCH_SETTINGS.some((name) => names.has(name));
    }

    /** The pipe operator that Ctrl+Shift+M inserts (`rbridge.pipe`). */
    get pipe(): PipeOperator {
        const value = vscode.workspace.getConfiguration(SECTION).get('pipe');
        return value === '%>%' ? '%>%' : '|>';
    }

    /** The Plots view's settings (`rbridge.plots.*`). */
    get plots(): PlotsSettings {
        const config = vscode.workspace.getConfiguration(SECTION);
        const background = config.get('plots.background');
        return {
            openOn: config.get('plots.openOn') === 'never' ? 'never' : 'newPlot',
            background: typeof background === 'string' && background.trim() ? background.trim() : 'white',
        };
    }

    /**
     * Opens the Settings editor at one setting, or at all of R Bridge's. In
     * a remote window (code-server, SSH, WSL, a container) the settings R
     * is launched with live on the Remote tab: `rbridge.rPath` is a machine
     * setting, which the User tab does not list there ("No Settings Found").
     * Elsewhere, the User tab.
     */
    static async open(name?: SettingName): Promise<void> {
        const query = name ? `${SECTION}.${name}` : `@ext:${EXTENSION_ID} `;
        const where = settingsCommand(vscode.env.remoteName);
        try {
            await vscode.commands.executeCommand(where, { query });
        } catch {
            // A remote without a Remote tab: the User tab is better than nothing.
            await vscode.commands.executeCommand(USER_SETTINGS_COMMAND, { query });
        }
    }

    dispose(): void {
        for (const s of this.subscriptions) s.dispose();
    }
}

// Settings come from JSON files that users edit by hand: a value of the
// wrong type falls back to the default instead of breaking the extension.

function stringOr(value: unknown, fallback: string): string {
    return typeof value === 'string' ? value : fallback;
}

function booleanOr(value: unknown, fallback: boolean): boolean {
    return typeof value === 'boolean' ? value : fallback;
}

function stringArrayOr(value: unknown, fallback: string[]): string[] {
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? [...value] : [...fallback];
}

function stringRecordOr(value: unknown, fallback: Record<string, string>): Record<string, string> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ...fallback };
    const entries = Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    return Object.fromEntries(entries);
}
