/**
 * The server's entry point (dist/server.js), kept small so that it runs
 * before the rest of the server is even read: R is started at once on a
 * guess at its settings (kernel/prestart.ts), then the server itself
 * (server.ts, dist/server-main.js) is loaded while R starts. Loading the
 * server's bundle takes Node about 35 ms, which R's start then overlaps too.
 *
 * Over stdio the guess is the client's `--launch`, else R on the PATH here.
 * A detached session (`--session`) guesses only with `--launch`: its client
 * starts it from another folder, and attaches once it listens.
 */
import { PRESTARTED, PrestartedKernel, kernelDir, launchGuess } from './kernel/prestart';

function prestart(): PrestartedKernel | undefined {
    // RBRIDGE_PRESTART=0 turns it off.
    if (process.env.RBRIDGE_PRESTART === '0') return undefined;
    const detached = process.argv.includes('--session');
    if (detached ? !process.argv.includes('--launch') : !process.argv.includes('--stdio')) return undefined;
    const guess = launchGuess(process.argv, process.cwd());
    return guess && new PrestartedKernel(guess, kernelDir(), Number(process.env.RBRIDGE_START_TIMEOUT_MS) || undefined);
}

(globalThis as Record<symbol, unknown>)[PRESTARTED] = prestart();
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./server-main.js');
