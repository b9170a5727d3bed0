/**
 * The server's entry point (dist/server.js), kept small so that it runs
 * before the rest of the server is even read: over stdio, R is started at
 * once on a guess at its settings (kernel/prestart.ts), then the server
 * itself (server.ts, dist/server-main.js) is loaded while R starts. Loading
 * the server's bundle takes Node about 35 ms, which R's start then
 * overlaps too.
 */
import * as path from 'path';
import { PrestartedKernel, launchGuess } from './kernel/prestart';

/** Where the early R is handed to the server's bundle (a module of its own, with its own copy of the kernel's classes; server.ts reads it by the same name and must not import this file, which would run it again). */
export const PRESTARTED = Symbol.for('rbridge.prestarted');

function prestart(): PrestartedKernel | undefined {
    // RBRIDGE_PRESTART=0 turns it off.
    if (!process.argv.includes('--stdio') || process.env.RBRIDGE_PRESTART === '0') return undefined;
    const guess = launchGuess(process.argv, process.cwd());
    const kernelDir = process.env.RBRIDGE_KERNEL_DIR || path.join(__dirname, '..', 'kernel');
    return guess && new PrestartedKernel(guess, kernelDir, Number(process.env.RBRIDGE_START_TIMEOUT_MS) || undefined);
}

(globalThis as Record<symbol, unknown>)[PRESTARTED] = prestart();
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./server-main.js');
