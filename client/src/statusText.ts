/**
 * What the status bar says about R, from the session's state and its pending
 * executions.
 *
 * No `vscode` import: tested in plain Node.
 */
import { DeadState, SessionState, restartComing, restartDelayText } from './sessionState';

export interface StatusView {
    text: string;
    tooltip: string;
    /** The state shown, after taking pending executions into account. */
    kind: SessionState['kind'];
    /** Something is wrong that needs the user (the item gets the error colour). */
    alert?: boolean;
}

/**
 * What the status bar says, from the session's state and its pending
 * executions. `attached`: the window is attached to a detached session (one
 * that outlives the window), which the text says (" · attached") and the
 * tooltip explains.
 */
export function statusView(
    state: SessionState,
    pending: { running?: { runningSince?: number; awaitingInput?: boolean }; count: number },
    now: number,
    trusted: boolean,
    attached = false,
): StatusView {
    const view = baseView(state, pending, now, trusted);
    if (!attached || state.kind === 'stopped' || state.kind === 'detached' || state.kind === 'starting') return view;
    return {
        ...view,
        text: `${view.text} · attached`,
        tooltip: `${view.tooltip}\n\nAttached to a detached R session: it keeps running when this window reloads or closes. "R: Detach from Session" lets go of it; "R: Stop Session" ends it.`,
    };
}

function baseView(
    state: SessionState,
    pending: { running?: { runningSince?: number; awaitingInput?: boolean }; count: number },
    now: number,
    trusted: boolean,
): StatusView {
    switch (state.kind) {
        case 'detached': {
            const what = [state.rVersion ? `R ${state.rVersion}` : 'R', state.pid ? `process ${state.pid}` : undefined].filter(Boolean).join(', ');
            return {
                kind: 'detached',
                text: '$(debug-disconnect) R: detached',
                tooltip: `This window let go of its R session (${what}${state.workspace ? `, ${state.workspace}` : ''}); R keeps running without it. Run code, or use "R: Attach to Session…", to attach again.`,
            };
        }
        case 'stopped':
            return {
                kind: 'stopped',
                text: '$(circle-large-outline) R',
                tooltip: trusted
                    ? 'R is not running. Click to open the R console and start R.'
                    : 'R is not running: this workspace is not trusted, so R starts only when you ask (run code, or click here).',
            };
        case 'starting':
            if (state.cause === 'attach') return { kind: 'starting', text: '$(loading~spin) R: attaching', tooltip: "Attaching to the workspace's R session." };
            return { kind: 'starting', text: '$(loading~spin) R: starting', tooltip: 'R is starting.' };
        case 'restarting':
            return { kind: 'restarting', text: '$(loading~spin) R: restarting', tooltip: 'R is restarting.' };
        case 'dead':
            return deadView(state);
        case 'idle':
        case 'busy': {
            const version = state.rVersion ? `R ${state.rVersion}` : 'R';
            const pid = state.pid ? `, process ${state.pid}` : '';
            // The kernel is also 'busy' while it lists a value's children for
            // the variables view; that is not the user's code running, and
            // would only make the status bar flicker.
            if (pending.count === 0) {
                return { kind: 'idle', text: '$(terminal) R: idle', tooltip: `${version} is idle${pid}. Click to show the console.` };
            }
            const queued = pending.count - (pending.running ? 1 : 0);
            const queue = queued > 0 ? ` · ${queued} queued` : '';
            if (pending.running?.awaitingInput) {
                // readline(), menu(), readLines(stdin()): R is not busy, it waits for the user.
                return {
                    kind: 'busy',
                    text: `$(keyboard) R: waiting for input${queue}`,
                    tooltip: `${version} is waiting for input${pid} (readline(), menu(), readLines()): type the answer where it asks, in the R console or an input box. Interrupt R to refuse.`,
                };
            }
            const since = pending.running?.runningSince;
            const elapsed = since !== undefined ? ` ${formatElapsed(now - since)}` : '';
            return {
                kind: 'busy',
                text: `$(loading~spin) R: busy${elapsed}${queue}`,
                tooltip: `${version} is running code${pid}. Click to show the console; use the stop button, Ctrl+C in the console, or "R: Interrupt R" to interrupt it.`,
            };
        }
    }
}

function deadView(state: DeadState): StatusView {
    if (restartComing(state)) {
        const what = state.cause === 'serverGone' ? 'The R Bridge server is started again' : `A new R starts${restartDelayText(state.restartInMs!)}`;
        return { kind: 'dead', text: '$(sync~spin) R: dead, restarting', tooltip: `${state.reason}\n\n${what}.` };
    }
    const start = 'Run code or use "R: Restart R" to start it.';
    if (state.cause === 'quit') {
        const status = typeof state.exitCode === 'number' ? ` (exit status ${state.exitCode})` : '';
        return { kind: 'dead', text: '$(circle-slash) R: quit', tooltip: `R quit${status}.\n\n${start}` };
    }
    const why = state.cause === 'startFailed' ? 'R could not be started' : 'R is not running';
    return { kind: 'dead', text: '$(error) R: dead', tooltip: `${why}: ${state.reason}\n\n${start}`, alert: true };
}

export function formatElapsed(ms: number): string {
    const seconds = Math.max(0, Math.floor(ms / 1000));
    if (seconds < 60) return `${seconds} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
    return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
