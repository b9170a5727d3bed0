/**
 * What a client tells the server on its command line about the R it will
 * ask for in `initialize`, so that the server can start that R at once
 * (server/src/kernel/prestart.ts): `--launch`, then base64 of the JSON of
 * the settings that decide how R is started.
 */
import type { InitializationOptions } from './protocol';

export function launchArgs(init: InitializationOptions): string[] {
    const launch = { rPath: init.rPath, rArgs: init.rArgs, cwd: init.cwd, env: init.env };
    return ['--launch', Buffer.from(JSON.stringify(launch), 'utf8').toString('base64')];
}
