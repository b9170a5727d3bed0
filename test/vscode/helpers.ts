/**
 * Helpers for the extension-host tests: the extension's API, R files to run,
 * and waiting for events with a deadline (never sleeping).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RBridgeApi } from '../../client/src/api';
import type { ExecutionRecord } from '../../client/src/session';

export const EXTENSION_ID = 'rbridge.rbridge';

let api: RBridgeApi | undefined;

/** The activated extension's API. */
export async function rbridge(): Promise<RBridgeApi> {
    if (api) return api;
    const extension = vscode.extensions.getExtension<RBridgeApi>(EXTENSION_ID);
    assert.ok(extension, `the extension ${EXTENSION_ID} is not installed in this VS Code`);
    api = await extension.activate();
    return api;
}

/** The API with R ready. */
export async function readyR(): Promise<RBridgeApi> {
    const r = await rbridge();
    await r.kernelReady();
    return r;
}

/** Resolves with the first event that satisfies `accept`, or fails after `ms` saying what did not happen. */
export function waitForEvent<T>(event: vscode.Event<T>, accept: (value: T) => boolean, what: string, ms = 30_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
            subscription.dispose();
            reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
        }, ms);
        const subscription = event((value) => {
            if (!accept(value)) return;
            clearTimeout(timer);
            subscription.dispose();
            resolve(value);
        });
    });
}

/**
 * Resolves with `check()` once it is not undefined, looking again whenever
 * one of `events` fires; fails after `ms` saying what did not happen.
 */
/**
 * How long a test waits for a webview page (Plots view, data view, Help
 * panel, zoom tab) to show something. Longer than other waits: in VS Code
 * for the web each new webview waits for its service worker to take over,
 * and that worker cannot take over while the previous one still holds a
 * resource request, which it gives up on only after 30 s (resolveTimeout
 * in VS Code's webview service-worker.js). The suite's own runs showed a
 * new Help panel stay blank for those 30 s, then load.
 */
export const PAGE_LOAD_MS = 75_000;

/**
 * How long a new webview page may stay silent before the test reloads the
 * webviews (VS Code's "Developer: Reload Webviews"), once: a full run of
 * the suite once saw a data view's page never load at all (no message from
 * it in 150 s) while the server had the view and the extension its panel.
 */
export const PAGE_SILENT_MS = 40_000;

/** After PAGE_SILENT_MS, reloads the webviews if `silent()` still holds; returns what stops that. */
export function reloadSilentPage(silent: () => boolean, what: string): () => void {
    const timer = setTimeout(() => {
        if (!silent()) return;
        console.log(`      (${what} has said nothing for ${PAGE_SILENT_MS / 1000} s: reloading the webviews)`);
        vscode.commands.executeCommand('workbench.action.webview.reloadWebviewAction').then(undefined, (e: Error) => console.log(`      (reloading the webviews failed: ${e.message})`));
    }, PAGE_SILENT_MS);
    return () => clearTimeout(timer);
}

export function waitUntil<T>(check: () => T | undefined, events: vscode.Event<unknown>[], what: string, ms = 30_000): Promise<T> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
        const subscriptions: vscode.Disposable[] = [];
        const finish = (error?: Error, value?: T) => {
            clearTimeout(timer);
            for (const s of subscriptions) s.dispose();
            if (error) reject(error);
            else resolve(value as T);
        };
        const timer = setTimeout(() => {
            const last = check();
            if (last !== undefined) finish(undefined, last);
            else finish(new Error(`timed out after ${ms} ms waiting for ${what}`));
        }, ms);
        for (const event of events) {
            subscriptions.push(
                event(() => {
                    const value = check();
                    if (value !== undefined) finish(undefined, value);
                }),
            );
        }
    });
}

/** Waits until the console's text matches `pattern`; returns the text. */
export function consoleShows(r: RBridgeApi, pattern: RegExp, what = `the console to show ${pattern}`, ms = 30_000): Promise<string> {
    return waitUntil(
        () => {
            const text = r.console.text();
            return pattern.test(text) ? text : undefined;
        },
        [r.console.onDidChange],
        what,
        ms,
    );
}

/** Waits for the answer to an execution whose code satisfies `accept`. */
export function executed(r: RBridgeApi, accept: (record: ExecutionRecord) => boolean, what: string, ms = 30_000): Promise<ExecutionRecord> {
    return waitForEvent(r.onDidExecute, accept, what, ms);
}

/** Waits until the execution with this code runs in R. */
export function running(r: RBridgeApi, code: string, ms = 30_000): Promise<unknown> {
    return waitUntil(
        () => r.pending().find((p) => p.request.code === code && p.state === 'running'),
        [r.onDidStartExecution],
        `'${code}' to run`,
        ms,
    );
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-vscode-tests-'));

/** A folder of its own for a test, under the suite's scratch folder. */
export function scratchDir(name: string): string {
    const dir = path.join(scratch, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}

/** Writes an R file with these lines, opens it in an editor (language R) and returns the editor. */
export async function openR(name: string, lines: string[]): Promise<vscode.TextEditor> {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    let document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    if (document.languageId !== 'r') document = await vscode.languages.setTextDocumentLanguage(document, 'r');
    return vscode.window.showTextDocument(document, { preview: false });
}

/** Puts the cursor at the start of a line (no selection). */
export function cursorAt(editor: vscode.TextEditor, line: number, character = 0): void {
    const position = new vscode.Position(line, character);
    editor.selection = new vscode.Selection(position, position);
}

/** Selects whole lines, from the start of `from` to the end of `to`. */
export function selectLines(editor: vscode.TextEditor, from: number, to: number): void {
    editor.selection = new vscode.Selection(from, 0, to, editor.document.lineAt(to).text.length);
}

/** Runs code through the API and checks that it worked. */
export async function rOk(r: RBridgeApi, code: string): Promise<void> {
    const result = await r.execute(code);
    assert.strictEqual(result.status, 'ok', `${code}: ${result.status} ${result.error?.message ?? ''}`);
}

/** Waits until nothing is pending (all executions answered). */
export function settled(r: RBridgeApi, ms = 30_000): Promise<true> {
    return waitUntil(() => (r.pending().length === 0 ? true : undefined), [r.onDidExecute], 'all executions to finish', ms);
}
