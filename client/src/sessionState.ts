/**
 * The session's state as the extension sees it, and how the server's
 * r/kernelStatus turns into it. The server says why a kernel starts
 * (`startCause`), why it is dead (`deathCause`) and what comes next
 * (`restartInMs`, `restartAbandoned`); these facts are kept as they are, so
 * that nothing downstream has to guess them from the order of states.
 *
 * No `vscode` import: tested in plain Node.
 */
import type { KernelDeathCause, KernelStartCause, KernelStatusParams } from '../../common/protocol';

/**
 * Why there is no R: the server's cause, `serverGone` when the server
 * process itself stopped (R went with it), or `incompatibleSession` when the
 * workspace's detached session comes from another version of R Bridge and
 * refused this window.
 */
export type DeathCause = KernelDeathCause | 'serverGone' | 'incompatibleSession';

/** Why R is starting: the server's cause, or `attach` while this window attaches to a detached session. */
export type StartCause = KernelStartCause | 'attach';

export interface DeadState {
    kind: 'dead';
    /** Why, said for a person. */
    reason: string;
    cause: DeathCause;
    /** A new R (or, for `serverGone`, a new server) starts by itself after this many milliseconds. */
    restartInMs?: number;
    /** R died too often (or the server stopped twice): nothing restarts by itself any more. */
    restartAbandoned?: boolean;
    exitCode?: number | null;
    signal?: string | null;
}

/** The session's state, as the status bar shows it. */
export type SessionState =
    /** No server: not started yet (or stopped). */
    | { kind: 'stopped' }
    | { kind: 'starting'; cause: StartCause }
    | { kind: 'restarting'; cause: KernelStartCause }
    | { kind: 'idle'; pid?: number; rVersion?: string }
    | { kind: 'busy'; pid?: number; rVersion?: string }
    | DeadState
    /**
     * This window let go of its detached session (R: Detach from
     * Session): R keeps running without it. Running code attaches again.
     */
    | { kind: 'detached'; pid?: number; rVersion?: string; workspace?: string };

/**
 * The state an r/kernelStatus announces, or undefined when the message is a
 * notice about the current state (`notice` is set) rather than a change.
 */
export function stateFromStatus(p: KernelStatusParams): SessionState | undefined {
    if (p.notice) return undefined;
    switch (p.state) {
        case 'starting':
        case 'restarting':
            return { kind: p.state, cause: p.startCause ?? (p.state === 'starting' ? 'initial' : 'requested') };
        case 'idle':
        case 'busy':
            return { kind: p.state, pid: p.pid, rVersion: p.rVersion };
        case 'dead': {
            const state: DeadState = { kind: 'dead', reason: p.reason ?? 'R is not running.', cause: p.deathCause ?? 'died' };
            if (p.restartInMs !== undefined) state.restartInMs = p.restartInMs;
            if (p.restartAbandoned) state.restartAbandoned = true;
            if (p.exitCode !== undefined) state.exitCode = p.exitCode;
            if (p.signal !== undefined) state.signal = p.signal;
            return state;
        }
    }
}

/** Whether a dead session comes back by itself (a restart is scheduled). */
export function restartComing(state: SessionState): boolean {
    return state.kind === 'dead' && state.restartInMs !== undefined && !state.restartAbandoned;
}

/** "in 2 s", or "" for a restart under a second away. */
export function restartDelayText(ms: number): string {
    return ms >= 1000 ? ` in ${Math.round(ms / 1000)} s` : '';
}
