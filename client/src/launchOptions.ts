/**
 * Turns the extension's settings, the workspace and its trust into the
 * server's `initializationOptions`. Kept apart from the settings facade so
 * that the rules (working directory default, trust, R path) are tested in
 * plain Node.
 *
 * No `vscode` import.
 */
import * as os from 'os';
import * as path from 'path';
import type { InitializationOptions } from '../../common/protocol';

/** The settings under `rbridge.*`, typed; see package.json for their descriptions. */
export interface RBridgeSettings {
    rPath: string;
    rArgs: string[];
    workingDirectory: string;
    env: Record<string, string>;
    autoRestart: boolean;
    echoCode: boolean;
    stopOnError: boolean;
}

/** The settings that shape how R is launched: changing one needs a new server to take effect. */
export const LAUNCH_SETTINGS = ['rPath', 'rArgs', 'workingDirectory', 'env', 'autoRestart'] as const;

export const DEFAULT_SETTINGS: RBridgeSettings = {
    rPath: '',
    rArgs: [],
    workingDirectory: '',
    env: {},
    autoRestart: true,
    echoCode: true,
    stopOnError: true,
};

export interface LaunchContext {
    /** `vscode.workspace.isTrusted`. */
    trusted: boolean;
    /** File-system path of the first workspace folder, if any. */
    workspaceFolder: string | undefined;
    /** Where R starts when there is neither a setting nor a workspace folder (the home directory). */
    fallbackDirectory?: string;
}

export function initializationOptions(settings: RBridgeSettings, context: LaunchContext): InitializationOptions {
    const options: InitializationOptions = {
        rPath: resolveRPath(settings.rPath),
        rArgs: [...settings.rArgs],
        cwd: workingDirectory(settings.workingDirectory, context),
        autoRestart: settings.autoRestart,
        // The Help panel shows R's help pages (r/showHelp): R sends them
        // rather than printing them as text in the console.
        helpViewer: true,
        // Only a trusted workspace may run its own .Rprofile; the server
        // then runs only ~/.Rprofile.
        workspaceTrusted: context.trusted,
    };
    if (Object.keys(settings.env).length > 0) options.env = { ...settings.env };
    return options;
}

/**
 * The R executable: empty means `R` on the PATH; `~` is the home directory.
 * A bare command name (no slash) is left for the PATH lookup.
 */
export function resolveRPath(rPath: string): string {
    const trimmed = rPath.trim();
    if (!trimmed) return 'R';
    return expandHome(trimmed);
}

/**
 * R's working directory: the setting (with `${workspaceFolder}` and `~`
 * expanded, relative paths taken from the workspace folder), else the
 * workspace folder, else the home directory.
 */
export function workingDirectory(setting: string, context: LaunchContext): string {
    const fallback = context.workspaceFolder ?? context.fallbackDirectory ?? os.homedir();
    let dir = setting.trim();
    if (!dir) return fallback;
    dir = dir.replace(/\$\{workspaceFolder\}/g, context.workspaceFolder ?? fallback);
    dir = expandHome(dir);
    return path.isAbsolute(dir) ? path.normalize(dir) : path.resolve(fallback, dir);
}

function expandHome(p: string): string {
    if (p === '~') return os.homedir();
    if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(os.homedir(), p.slice(2));
    return p;
}

/** Whether two sets of options would launch R the same way. */
export function sameLaunch(a: InitializationOptions, b: InitializationOptions): boolean {
    return JSON.stringify(normalized(a)) === JSON.stringify(normalized(b));
}

function normalized(o: InitializationOptions): unknown {
    const env = o.env ? Object.fromEntries(Object.entries(o.env).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) : {};
    return [o.rPath ?? 'R', o.rArgs ?? [], o.cwd ?? '', env, o.autoRestart ?? false, o.workspaceTrusted ?? false];
}

/**
 * Whether R may start without the user asking: only in a trusted
 * workspace. In an untrusted one R starts only from an explicit command,
 * and never runs the workspace's .Rprofile.
 */
export function mayStartAutomatically(trusted: boolean): boolean {
    return trusted;
}

/** Whether a dead kernel's reason says that R itself was not found. */
export function isRNotFound(reason: string | undefined): boolean {
    return reason !== undefined && /^R was not found\b/.test(reason);
}
