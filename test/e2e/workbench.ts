/**
 * Driving the workbench as a person would: the keyboard (Ctrl+P, Ctrl+Shift+P, Ctrl+G,
 * selections), reading what is on screen from the DOM (editor lines,
 * terminal rows, tree rows, notifications, the status bar), screenshots, and
 * the mocha hooks every browser suite shares.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Frame, Locator, Page } from 'playwright-core';
import { ROOT } from '../support/paths';
import { sleep } from '../support/time';
import { Log, OUTPUT_DIR } from './log';
import { ProbeConnection } from './probe';
import { armDeadline } from './processes';
import { Session, SessionOptions } from './session';

export const SCREENSHOT_DIR = path.join(OUTPUT_DIR, 'screenshots');

/** What a browser suite works with once workbenchSuite()'s hook has run. */
export interface WorkbenchSuite {
    session: Session;
    wb: Workbench;
    probe: ProbeConnection;
}

/**
 * The mocha hooks every browser suite shares, registered in the calling
 * describe(): a code-server session (options() is called in the hook, so
 * it may check files and throw), its workbench once ready, the probe, a
 * screenshot `<prefix>-failed-<test>` of every failed test, and the session
 * closed at the end. The returned object is filled in by the hook.
 */
export function workbenchSuite(prefix: string, options: () => SessionOptions): WorkbenchSuite {
    const suite = {} as WorkbenchSuite;
    before(async function () {
        this.timeout(180_000);
        armDeadline(10 * 60_000);
        clearScreenshots(`${prefix}-`);
        suite.session = await Session.start(options());
        suite.wb = new Workbench(suite.session.page, suite.session.log);
        await suite.wb.ready();
        suite.probe = await suite.session.probe();
    });
    after(async () => {
        await suite.session?.close();
    });
    afterEach(async function () {
        if (this.currentTest?.state === 'failed' && suite.wb) {
            await suite.wb.screenshot(`${prefix}-failed-${this.currentTest.title.replace(/\W+/g, '-')}`).catch(() => undefined);
        }
    });
    return suite;
}

/** Monaco and xterm draw spaces as U+00A0; tests compare ordinary text. */
export function normalize(text: string): string {
    return text.replace(/\u00a0/g, ' ');
}

/** Removes the screenshots of an earlier run whose names start with `prefix`, so that none of them is mistaken for this run's. */
export function clearScreenshots(prefix: string): void {
    if (!fs.existsSync(SCREENSHOT_DIR)) return;
    for (const file of fs.readdirSync(SCREENSHOT_DIR)) {
        if (file.startsWith(prefix) && file.endsWith('.png')) fs.rmSync(path.join(SCREENSHOT_DIR, file));
    }
}

export class Workbench {
    constructor(readonly page: Page, readonly log: Log) {}

    /** Waits until the workbench shows its parts (the status bar is the last to appear). */
    async ready(timeoutMs = 60_000): Promise<void> {
        await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
        await this.page.locator('.monaco-workbench .part.sidebar').first().waitFor({ state: 'attached', timeout: timeoutMs });
    }

    async screenshot(name: string): Promise<string> {
        fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const file = path.join(SCREENSHOT_DIR, `${name}.png`);
        await this.page.screenshot({ path: file });
        this.log.write('harness', `screenshot ${path.relative(ROOT, file)}`);
        return file;
    }

    /** Ctrl+P, the file name, Enter; resolves when its editor tab is active. */
    /**
     * Opens Quick Open or the command palette and waits until its input has
     * the keyboard, so that what is typed next goes there. A key pressed
     * while a webview (the Plots view, a data view, the Help panel) has the
     * focus reaches the workbench only through the webview's forwarding,
     * a moment later; when the input has not taken the focus by then, the
     * workbench's status bar is clicked (it takes the focus away from the
     * webview and changes nothing) and the key pressed again.
     */
    private async openQuickInput(key: string): Promise<void> {
        const focused = () =>
            this.page
                .waitForFunction("!!document.activeElement?.closest('.quick-input-widget')", undefined, { timeout: 3_000 })
                .then(() => true, () => false);
        await this.page.keyboard.press(key);
        if (await focused()) return;
        await this.page.keyboard.press('Escape');
        await this.page.locator('.part.statusbar').click({ position: { x: 2, y: 2 } });
        await this.page.keyboard.press(key);
        if (!(await focused())) throw new Error(`${key} did not open the quick input`);
    }

    async openFile(name: string): Promise<void> {
        // Typed into Quick Open, as a person does; if something took the
        // focus from it meanwhile (a webview page that was busy, say), the
        // name went elsewhere: undo that and type it again, once.
        for (let attempt = 1; ; attempt++) {
            await this.openQuickInput('Control+P');
            await this.page.keyboard.type(name);
            const found = await this.page
                .locator('.quick-input-list .monaco-list-row.focused', { hasText: name })
                .waitFor({ state: 'visible', timeout: 15_000 })
                .then(() => true, (e: unknown) => (attempt === 1 ? false : Promise.reject(e)));
            if (found) break;
            const stray = await this.page.evaluate<boolean>("!document.activeElement?.closest('.quick-input-widget')");
            await this.page.keyboard.press('Escape');
            if (stray) await this.page.keyboard.press('Control+Z');
        }
        await this.page.keyboard.press('Enter');
        await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 15_000 });
        await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').waitFor();
    }

    /**
     * Ctrl+Shift+P, the command's title, Enter, as in the command palette
     * (not F1: in an R editor F1 is R Bridge's help on the word under the
     * cursor, as in RStudio). The palette filters as keys arrive, so the
     * focused row is read until it is the command asked for, and Enter is
     * pressed only then.
     */
    async runCommand(title: string): Promise<void> {
        await this.openQuickInput('Control+Shift+P');
        await this.page.keyboard.type(title);
        const row = this.page.locator('.quick-input-list .monaco-list-row.focused .label-name').first();
        const wanted = title.toLowerCase();
        await this.waitFor(
            async () => normalize((await row.textContent({ timeout: 5_000 }).catch(() => '')) ?? ''),
            (label) => label.toLowerCase() === wanted,
            `"${title}" focused in the command palette`,
            10_000,
        );
        await this.page.keyboard.press('Enter');
    }

    /** Goes to a 1-based line with Ctrl+G. */
    /** Where the cursor is, as the status bar says ("Ln 7, Col 1"); empty when no editor has the focus. */
    private cursorText(): Promise<string> {
        return this.page
            .locator('[id="status.editor.selection"]')
            .innerText({ timeout: 1_000 })
            .catch(() => '');
    }

    /**
     * Ctrl+Enter in an editor as a person presses it: the next press comes
     * once the cursor has moved on to the next expression (R Bridge moves
     * it), at most 2 s later. Pressed faster than VS Code takes the move,
     * the same line would run again.
     */
    async runLine(): Promise<void> {
        const before = await this.cursorText();
        await this.page.keyboard.press('Control+Enter');
        await this.waitFor(() => this.cursorText(), (t) => t !== before, 'the cursor to move on', 2_000).catch(() => undefined);
    }

    async goToLine(line: number): Promise<void> {
        await this.page.keyboard.press('Control+G');
        await this.page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
        await this.page.keyboard.type(String(line));
        await this.page.keyboard.press('Enter');
        await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    }

    /** Selects `count` whole lines starting at a 1-based line, with the keyboard. */
    async selectLines(first: number, count: number): Promise<void> {
        await this.goToLine(first);
        await this.page.keyboard.press('Home');
        await this.page.keyboard.press('Home');
        for (let i = 0; i < count - 1; i++) await this.page.keyboard.press('Shift+ArrowDown');
        await this.page.keyboard.press('Shift+End');
    }

    /** The text of the active editor's visible lines. */
    async editorText(): Promise<string> {
        return normalize(await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').innerText());
    }

    /** The rows of the visible terminal, as text (DOM renderer). */
    terminalRows(): Locator {
        return this.page.locator('.part.panel .terminal-wrapper.active .xterm-rows');
    }

    async terminalText(): Promise<string> {
        const rows = this.terminalRows();
        if (!(await rows.count())) return '';
        return normalize(await rows.first().innerText());
    }

    /**
     * The rows of a tree view (or of the whole side bar), each as its label
     * and description joined by one space, the way a person reads them.
     */
    async treeRows(paneTitle?: string): Promise<string[]> {
        const scope = paneTitle
            ? this.page.locator(`.part.sidebar .pane:has(.pane-header:has-text("${paneTitle}"))`)
            : this.page.locator('.part.sidebar');
        // Read in one go in the page: the tree re-renders its rows whenever
        // it changes, and a row read one call after it was counted may be gone.
        // (This file is compiled without the DOM's types: a row's shape as used here.)
        type Row = { innerText: string; querySelectorAll(selector: string): ArrayLike<{ innerText: string }> };
        const texts = await scope.locator('.monaco-list-row').evaluateAll((rows: Row[]) =>
            rows.map((row) => {
                const parts = [...Array.from(row.querySelectorAll('.label-name')), ...Array.from(row.querySelectorAll('.label-description'))].map((e) => e.innerText);
                return parts.length ? parts.join(' ') : row.innerText;
            }),
        );
        return texts.map((text) => normalize(text).replace(/\s+/g, ' ').trim());
    }

    /** Polls `read` until `accept` holds, for at most `timeoutMs`; fails naming `what` and the last value. */
    async waitFor<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
        const deadline = Date.now() + timeoutMs;
        let last: T | undefined;
        for (;;) {
            last = await read();
            if (accept(last)) return last;
            if (Date.now() > deadline) {
                throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)?.slice(0, 2000)}`);
            }
            await sleep(100);
        }
    }

    /**
     * A webview's page (a panel's frame, reached through the page's frames):
     * the first frame with an element matching `selector` that `accept`, if
     * given, also takes; waited for.
     */
    async webviewFrame(selector: string, what: string, timeoutMs = 30_000, accept?: (frame: Frame) => Promise<boolean>): Promise<Frame> {
        const found = await this.waitFor(
            async () => {
                for (const frame of this.page.frames()) {
                    if (!(await frame.locator(selector).count().catch(() => 0))) continue;
                    if (!accept || (await accept(frame))) return frame;
                }
                return undefined;
            },
            (frame) => frame !== undefined,
            what,
            timeoutMs,
        );
        return found!;
    }

    /** Text of the notifications on screen. */
    async notifications(): Promise<string[]> {
        return (await this.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts()).map(normalize);
    }

    async statusBar(): Promise<string[]> {
        return (await this.page.locator('.part.statusbar .statusbar-item').allInnerTexts()).map(normalize);
    }
}
