/**
 * Signals and process groups, where operating systems differ (see
 * docs/platforms.md): how an interrupt is delivered and how a process and
 * what it started are stopped. The FIFOs of the kernel channel are in
 * channel.ts.
 */

export const isWindows = process.platform === 'win32';

/**
 * Delivers an interrupt (Ctrl+C) to R: on Unix to R's whole process group,
 * as a terminal does, so that a command R waits for in system() stops too
 * (R itself ignores SIGINT while it waits for one). A shell's background
 * jobs ignore it, as they do in a terminal.
 */
export function sendInterrupt(pid: number): boolean {
    // R on Windows has no SIGINT handler for a process without a console;
    // docs/platforms.md describes what would replace this there.
    try {
        process.kill(ownProcessGroup ? -pid : pid, 'SIGINT');
        return true;
    } catch {
        return false;
    }
}

export function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/**
 * Options for spawning R: on Unix R leads a process group (and session) of
 * its own, so that stopping it can stop whatever it started in the
 * background too (system("... &"), parallel workers), and a terminal's
 * Ctrl+C meant for a client does not reach R behind the server's back. On
 * Windows `detached` would give R a console window of its own instead.
 */
export const ownProcessGroup = !isWindows;

/**
 * Stops a process started with `ownProcessGroup` and everything left in its
 * group (a child that made a group of its own escapes, as it would from a
 * terminal). On Windows only the process itself.
 */
export function killProcessTree(pid: number, signal: NodeJS.Signals): void {
    killProcessGroup(pid, signal);
    killProcess(pid, signal);
}

/**
 * Stops what is left in the process group of `leader`, which has exited
 * already (its pid cannot name another group while the group has members).
 */
export function killProcessGroup(leader: number, signal: NodeJS.Signals): void {
    if (!ownProcessGroup) return;
    try {
        process.kill(-leader, signal);
    } catch {
        // The group is empty.
    }
}

export function killProcess(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(pid, signal);
    } catch {
        // Already gone.
    }
}
