/**
 * The pure parts of how R's browser is shown (no `vscode` import: unit
 * tested in plain Node): when a stop that ended counts as the end of the
 * browser, and what the variables view says about the frame it lists.
 */
import type { InputParams } from '../../../common/protocol';

/**
 * Commands after which R leaves the browser and runs on (`c`, `cont`), or
 * leaves the function or the evaluation (`f`, `r`, `Q`): unless it stops
 * again at once, the browser is over.
 */
const LEAVING = new Set(['c', 'cont', 'f', 'r', 'Q']);
/** After a command that leaves the browser, how long a new stop may take before the browser counts as exited. */
export const LEAVE_GRACE_MS = 150;
/**
 * After any other command (`n`, `s`, an expression), R normally stops again
 * within milliseconds; a step that runs longer than this (`n` over a long
 * call, or over the last line of a function called by code that is not
 * debugged) counts as having left the browser until R stops again.
 */
export const STEP_GRACE_MS = 1000;

/**
 * How long after a stop ended (with `command`, or withdrawn: `cancelled`)
 * R may take to stop again before the browser counts as exited.
 */
export function exitGraceMs(command: string, cancelled: boolean): number {
    return cancelled || LEAVING.has(command.trim()) ? LEAVE_GRACE_MS : STEP_GRACE_MS;
}

/** What a stop says about where R browses. */
export type StopPlace = Pick<InputParams, 'call' | 'depth' | 'frames' | 'level' | 'prompt'>;

/** The longest call shown in the header row; the tooltip has it whole. */
const CALL_MAX = 60;

/**
 * The variables view's header while it lists a frame's locals: the label
 * ("Browsing f(1)"), the description ("frame 2 of 3", or "R is at the top
 * level") and a tooltip with the stack, outermost call first, the browsed
 * frame marked.
 */
export function frameHeader(stop: StopPlace): { label: string; description: string; tooltip: string } {
    const depth = stop.depth ?? 0;
    const frames = stop.frames ?? [];
    const call = stop.call || frames[depth - 1]?.call || '';
    const shortCall = call.length > CALL_MAX ? call.slice(0, CALL_MAX - 1) + '…' : call;
    const label = depth > 0 ? `Browsing ${shortCall}` : 'Browsing at the top level';
    const description = depth > 0 ? `frame ${depth} of ${Math.max(depth, frames.length)}` : '';
    const prompt = stop.prompt.trim() || `Browse[${stop.level ?? 1}]>`;
    const lines = [`R waits at \`${prompt}\` in the console: \`n\` runs the next line, \`s\` steps into a call, \`f\` finishes the function, \`c\` continues, \`Q\` quits.`];
    if (frames.length) {
        lines.push('', 'Calls, outermost first:', '');
        for (const frame of frames) lines.push(`${frame.index}. \`${frame.call.replace(/`/g, "'")}\`${frame.index === depth ? ' ← browsing' : ''}`);
    }
    return { label, description, tooltip: lines.join('\n') };
}
