/**
 * Everything the extension tells the user about R, in one place: in the
 * console, every start, restart, death and failed run; as a notification,
 * what needs the user (R not found or could not start, R died and will not
 * come back by itself, R quit, R ignores interrupts, the server stopped, a
 * restart that new settings or trust call for).
 *
 * What to say follows the facts the server sends with r/kernelStatus (see
 * sessionState.ts), never the order of states: a start failure is
 * `deathCause: 'startFailed'`, a restart on its way is `restartInMs`, a
 * server that gave up restarting is `restartAbandoned`, `quit()` is
 * `deathCause: 'quit'`, and a notice (`notice: 'unresponsive'`) is a message
 * about the current state.
 *
 * No runtime `vscode` import: the console, the notifications and the
 * actions behind their buttons come in as ports, so the decisions are
 * tested in plain Node (test/client/feedback.test.ts).
 */
import type { KernelStatusParams } from '../../common/protocol';
import type { OutputStyle } from './console/text';
import { isRNotFound } from './launchOptions';
import type { ExecutionRecord } from './session';
import { DeadState, SessionState, restartDelayText } from './sessionState';

/** What a button (or the feedback itself) can set going. */
export type FeedbackAction =
    /** The Restart R command: a fresh R, also when R is dead. */
    | 'restart'
    /** Start the server and R (they are not running). */
    | 'start'
    /** Try the start again with the settings as they are now, without asking (it failed anyway). */
    | 'retryStart'
    | 'showLog'
    | 'openRPathSetting'
    | 'openSettings'
    | 'installR'
    | 'manageTrust'
    /** Stop the workspace's session that another version of R Bridge started, and start a new one. */
    | 'replaceSession';

export interface FeedbackPorts {
    /** A note in the console, on a line of its own. */
    note(text: string, style?: OutputStyle): void;
    /** The console stops waiting for an answer to R's request for input (nobody will take it any more). */
    abandonInput(): void;
    /** A notification with buttons; resolves with the button chosen. */
    notify(severity: 'info' | 'warning' | 'error', message: string, ...actions: string[]): Thenable<string | undefined>;
    act(action: FeedbackAction): void;
}

export interface FeedbackContext {
    /** R's working directory, as the running server was started with it. */
    cwd(): string | undefined;
    /** Whether the workspace is trusted now. */
    trusted(): boolean;
    /** Whether the running server was started for a trusted workspace (undefined before the first start). */
    launchedTrusted(): boolean | undefined;
}

/** The buttons, with what each one does. */
export const BUTTONS = {
    restart: ['Restart R', 'restart'],
    start: ['Start R', 'restart'],
    showLog: ['Show Log', 'showLog'],
    openRPath: ['Open Setting', 'openRPathSetting'],
    openSettings: ['Open Settings', 'openSettings'],
    installR: ['Install R', 'installR'],
    manageTrust: ['Manage Workspace Trust', 'manageTrust'],
    replaceSession: ['Stop That Session', 'replaceSession'],
} as const satisfies Record<string, readonly [string, FeedbackAction]>;

type Button = (typeof BUTTONS)[keyof typeof BUTTONS];

export class Feedback {
    private previous: SessionState = { kind: 'stopped' };
    private toldAboutTrust = false;

    constructor(private readonly ports: FeedbackPorts, private readonly context: FeedbackContext) {}

    // -----------------------------------------------------------------------
    // The kernel

    /** The session's state changed. */
    stateChanged(state: SessionState): void {
        const before = this.previous;
        this.previous = state;
        switch (state.kind) {
            case 'idle':
                // (A window attaching to a running session is told so by the session's own note.)
                if ((before.kind === 'starting' && before.cause !== 'attach') || before.kind === 'restarting') {
                    const version = state.rVersion ? `R ${state.rVersion}` : 'R';
                    const cwd = this.context.cwd();
                    this.ports.note(`${version} is ready${cwd ? ` (working directory: ${cwd})` : ''}.`);
                }
                return;
            case 'restarting':
                this.ports.note(state.cause === 'automatic' ? 'Starting a new R…' : 'Restarting R…');
                return;
            case 'dead':
                if (before.kind === 'dead' && sameDeath(before, state)) return;
                this.reportDeath(state, before);
                return;
            default:
                return;
        }
    }

    /** An r/kernelStatus that is a notice about the current state (R ignores interrupts). */
    notice(p: KernelStatusParams): void {
        if (!p.reason) return;
        this.ports.note(p.reason, 'warning');
        if (p.notice === 'unresponsive') this.offer('warning', p.reason, BUTTONS.restart);
        else this.offer('info', p.reason);
    }

    private reportDeath(state: DeadState, before: SessionState): void {
        // A further message about a death already reported (the server
        // giving up after it): only what is new is said.
        const followUp = before.kind === 'dead' && before.cause === state.cause;
        switch (state.cause) {
            case 'startFailed':
                this.startFailed(state);
                return;
            case 'serverGone':
                this.serverGone(state);
                return;
            case 'incompatibleSession':
                this.ports.note(state.reason, 'error');
                this.offer('error', `${state.reason} Stop that session and start a new one?`, BUTTONS.replaceSession, BUTTONS.showLog);
                return;
            case 'quit':
                this.quit(state, followUp);
                return;
            case 'died':
            case 'stopped':
                this.died(state, followUp);
                return;
        }
    }

    /** R could not be started: nothing retries by itself, so the user is told how to fix it. */
    private startFailed(state: DeadState): void {
        if (isRNotFound(state.reason)) {
            const tried = /tried '([^']*)'/.exec(state.reason)?.[1];
            const notFound = `R was not found${tried ? ` (tried '${tried}')` : ''}.`;
            this.ports.note(notFound, 'error');
            this.offer('error', `${notFound} Install R, or set "rbridge.rPath" to the R executable.`, BUTTONS.openRPath, BUTTONS.installR);
            return;
        }
        this.ports.note(`R could not be started: ${state.reason}`, 'error');
        this.offer('error', `R could not be started: ${state.reason}`, BUTTONS.openSettings, BUTTONS.showLog);
    }

    /** The code being run ended R (q(), quit()): what the user asked for, so no alarm. */
    private quit(state: DeadState, followUp: boolean): void {
        const status = typeof state.exitCode === 'number' ? ` (exit status ${state.exitCode})` : '';
        if (!followUp) this.ports.note(`R quit${status}.`);
        if (this.restartAnnounced(state)) return;
        if (state.restartAbandoned) {
            this.ports.note(state.reason, 'warning');
            this.offer('warning', state.reason, BUTTONS.start);
            return;
        }
        this.offer('info', `R quit${status}.`, BUTTONS.start);
    }

    /** R ended unexpectedly, or the server stopped it. */
    private died(state: DeadState, followUp: boolean): void {
        const what = state.cause === 'stopped' ? 'R was stopped' : 'R died';
        const text = followUp ? state.reason : `${what}: ${state.reason}`;
        this.ports.note(text, 'error');
        if (this.restartAnnounced(state)) return;
        // No restart coming: without autoRestart, or the server gave up
        // (its reason says so). The user decides.
        this.offer('warning', state.restartAbandoned || followUp ? state.reason : text, BUTTONS.restart);
    }

    /** The server process itself stopped; R went with it. */
    private serverGone(state: DeadState): void {
        this.ports.abandonInput();
        this.ports.note(state.reason, 'error');
        if (state.restartInMs !== undefined && !state.restartAbandoned) {
            this.ports.note('Starting the server again…');
            return;
        }
        this.offer('error', state.reason, BUTTONS.restart, BUTTONS.showLog);
    }

    /** Says that a restart is on its way, if one is; returns whether it did. */
    private restartAnnounced(state: DeadState): boolean {
        if (state.restartInMs === undefined || state.restartAbandoned) return false;
        this.ports.note(`R will be restarted${restartDelayText(state.restartInMs)}.`);
        return true;
    }

    // -----------------------------------------------------------------------
    // Executions

    /**
     * An execution was answered: the console says what R could not say
     * itself. `location` is the console's link to the failing line
     * ("at analysis.R:12"), when there is one.
     */
    executed(record: ExecutionRecord, location: string | undefined): void {
        const { request, result, wroteStderr } = record;
        if ((result.status === 'error' || result.status === 'parseError') && !wroteStderr && result.error) {
            // R printed nothing (the kernel itself failed, or a NUL in the
            // code): the console must still say what went wrong.
            this.ports.note(`Error: ${result.error.message}`, 'error');
        }
        if (location) this.ports.note(location, 'location');
        if (result.status === 'incomplete' && request.origin !== 'console') {
            this.ports.note('Error: incomplete expression: the code ends in the middle of an expression (an unclosed bracket or string?).', 'error');
        }
        if (result.status === 'interrupted') this.ports.note('Interrupted.');
    }

    // -----------------------------------------------------------------------
    // Settings and trust

    /** A setting that shapes how R is launched changed (rPath, rArgs, ...). */
    launchSettingsChanged(state: SessionState): void {
        if (state.kind === 'stopped' || state.kind === 'detached') return;
        if (state.kind === 'dead' && state.cause === 'startFailed') {
            // R could not start; the new settings may fix that: try at once.
            this.ports.act('retryStart');
            return;
        }
        this.offer('info', 'The R settings changed. Restart R to use them? (The global environment will be emptied.)', BUTTONS.restart);
    }

    /** The workspace became trusted. */
    trustGranted(state: SessionState): void {
        if (state.kind === 'stopped') {
            this.ports.act('start');
            return;
        }
        if (this.context.launchedTrusted() === false) {
            this.offer('info', "The workspace is trusted now. Restart R so that it runs the workspace's .Rprofile?", BUTTONS.restart);
        }
    }

    /**
     * Before an explicit command starts R in an untrusted workspace: says
     * what is different there, once.
     */
    explainTrust(): void {
        if (this.context.trusted() || this.toldAboutTrust) return;
        this.toldAboutTrust = true;
        this.offer(
            'info',
            "This workspace is not trusted: R starts without running the workspace's .Rprofile, and the workspace's own R settings (R path, arguments, environment, working directory) are ignored.",
            BUTTONS.manageTrust,
        );
    }

    /** For tests: the next explainTrust() speaks again. */
    forgetTrustExplanation(): void {
        this.toldAboutTrust = false;
    }

    private offer(severity: 'info' | 'warning' | 'error', message: string, ...buttons: Button[]): void {
        void this.ports.notify(severity, message, ...buttons.map(([label]) => label)).then((choice) => {
            const button = buttons.find(([label]) => label === choice);
            if (button) this.ports.act(button[1]);
        });
    }
}

/** The same death told again (the same facts): nothing new to say. */
function sameDeath(a: DeadState, b: DeadState): boolean {
    return a.cause === b.cause && a.reason === b.reason && a.restartInMs === b.restartInMs && a.restartAbandoned === b.restartAbandoned;
}
