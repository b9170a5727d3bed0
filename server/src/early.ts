/**
 * Imported first by server.ts, so that it runs before the rest of the
 * server loads: over stdio, R is started at once on a guess at its
 * settings (kernel/prestart.ts), while Node loads the server and waits for
 * the client's initialize.
 */
import * as path from 'path';
import { PrestartedKernel, launchGuess } from './kernel/prestart';

/** The kernel's R files. */
export const kernelDir = process.env.RBRIDGE_KERNEL_DIR || path.join(__dirname, '..', 'kernel');

function prestart(): PrestartedKernel | undefined {
    // RBRIDGE_PRESTART=0 turns it off (the benchmark compares both).
    if (!process.argv.includes('--stdio') || process.env.RBRIDGE_PRESTART === '0') return undefined;
    const guess = launchGuess(process.argv, process.cwd());
    return guess && new PrestartedKernel(guess, kernelDir, Number(process.env.RBRIDGE_START_TIMEOUT_MS) || undefined);
}

export const prestarted = prestart();
