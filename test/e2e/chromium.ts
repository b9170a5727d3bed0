/**
 * Headless Debian Chromium driven by playwright-core: launching it with
 * arguments that work as root in a container without a GPU or a D-Bus, and
 * reading the page console's messages as text.
 */
import * as fs from 'fs';
import * as util from 'util';
import { Browser, ConsoleMessage, chromium } from 'playwright-core';

export const CHROMIUM = process.env.RBRIDGE_CHROMIUM ?? '/usr/bin/chromium';
/** Launch arguments that work as root in a container without a GPU or a D-Bus. */
export const CHROMIUM_ARGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-dev-shm-usage',
];

export async function launchBrowser(): Promise<Browser> {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; run: bash scripts/install-vscode.sh`);
    return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}

/**
 * The text of a page console message. The workbench's log service prints
 * `console.log('%c INFO', css, message, ...args)`: the `%c` directives and
 * their CSS are dropped, and the message is formatted with its arguments as
 * Node would (mocha's reporter sends `%s`/`%d` patterns through it).
 */
export async function consoleText(message: ConsoleMessage): Promise<string> {
    const args = message.args();
    if (!args.length) return message.text();
    const values = await Promise.all(args.map((a) => a.jsonValue().catch(() => a.toString())));
    let prefix: string | undefined;
    let rest = values;
    if (typeof values[0] === 'string' && values[0].includes('%c')) {
        prefix = values[0].replace(/%c/g, '');
        rest = values.slice(1 + (values[0].match(/%c/g) ?? []).length);
    }
    const body = rest.length ? util.format(...rest) : '';
    return prefix === undefined ? body : `${prefix} ${body}`;
}
