/**
 * The R console as a VS Code terminal: a Pseudoterminal named "R" in front
 * of ConsoleCore, which does the work. The terminal can be closed and
 * opened again; the console keeps its transcript and shows its end again.
 */
import * as vscode from 'vscode';
import { ConsoleCore, ConsoleHost, ConsoleOptions } from './consoleCore';

export const CONSOLE_NAME = 'R';
/** The console's name while R waits for an answer typed in it (readline(), menu(), readLines(stdin())). */
export const CONSOLE_NAME_WAITING = 'R: waiting for input';

export class RConsole implements vscode.Disposable {
    readonly core: ConsoleCore;
    private terminal: vscode.Terminal | undefined;
    private readonly writeEmitter = new vscode.EventEmitter<string>();
    private readonly nameEmitter = new vscode.EventEmitter<string>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private waiting = false;
    private readonly openWaiters = new Set<() => void>();
    /** When the terminal was last created (Date.now()). */
    private createdAt = 0;

    constructor(host: ConsoleHost, options: ConsoleOptions = {}) {
        this.core = new ConsoleCore(host, (data) => this.writeEmitter.fire(data), options);
        this.subscriptions.push(
            vscode.window.onDidCloseTerminal((closed) => {
                if (closed === this.terminal) this.terminal = undefined;
            }),
            // The terminal's name says when R waits for an answer, as the status bar does.
            this.core.onDidChange(() => {
                if (this.core.awaitingInput === this.waiting) return;
                this.waiting = this.core.awaitingInput;
                this.nameEmitter.fire(this.waiting ? CONSOLE_NAME_WAITING : CONSOLE_NAME);
            }),
            this.writeEmitter,
            this.nameEmitter,
        );
    }

    /** The terminal, while it exists. */
    get terminalInstance(): vscode.Terminal | undefined {
        return this.terminal;
    }

    /** Whether the console's terminal exists (it may be hidden behind another panel). */
    get exists(): boolean {
        return this.terminal !== undefined;
    }

    /** Shows the console, creating its terminal if needed. */
    show(preserveFocus: boolean): vscode.Terminal {
        this.terminal ??= this.create();
        this.terminal.show(preserveFocus);
        return this.terminal;
    }

    /**
     * Resolves once the terminal has opened (and the console knows its
     * width), or after `timeoutMs`; at once when it is open already.
     */
    whenOpen(timeoutMs: number): Promise<void> {
        // Only a terminal just created is worth waiting for; one that has
        // not opened by now is not on screen, and the code goes at once.
        const left = this.createdAt + timeoutMs - Date.now();
        if (this.core.isOpen || !this.terminal || left <= 0) return Promise.resolve();
        return new Promise((resolve) => {
            const done = () => {
                clearTimeout(timer);
                this.openWaiters.delete(done);
                resolve();
            };
            const timer = setTimeout(done, left);
            this.openWaiters.add(done);
        });
    }

    private create(): vscode.Terminal {
        this.createdAt = Date.now();
        const pty: vscode.Pseudoterminal = {
            onDidWrite: this.writeEmitter.event,
            onDidChangeName: this.nameEmitter.event,
            open: (dimensions) => {
                this.core.open(dimensions?.columns);
                for (const resolve of [...this.openWaiters]) resolve();
                // A new terminal starts with the console's name; say again that R waits, if it does.
                if (this.waiting) this.nameEmitter.fire(CONSOLE_NAME_WAITING);
            },
            close: () => this.core.close(),
            handleInput: (data) => this.core.input(data),
            setDimensions: (dimensions) => this.core.resize(dimensions.columns),
        };
        return vscode.window.createTerminal({
            name: this.waiting ? CONSOLE_NAME_WAITING : CONSOLE_NAME,
            pty,
            iconPath: new vscode.ThemeIcon('terminal'),
            // A Pseudoterminal cannot be revived after a reload: VS Code must
            // not restore a dead copy of it.
            isTransient: true,
        });
    }

    dispose(): void {
        this.core.dispose();
        this.terminal?.dispose();
        for (const s of this.subscriptions) s.dispose();
    }
}
