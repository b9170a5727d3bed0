/**
 * The R console as a VS Code terminal: a Pseudoterminal named "R" in front
 * of ConsoleCore, which does the work. The terminal can be closed and
 * opened again; the console keeps its transcript and shows its end again.
 */
import * as vscode from 'vscode';
import { ConsoleCore, ConsoleHost, ConsoleOptions } from './consoleCore';

export const CONSOLE_NAME = 'R';

export class RConsole implements vscode.Disposable {
    readonly core: ConsoleCore;
    private terminal: vscode.Terminal | undefined;
    private readonly writeEmitter = new vscode.EventEmitter<string>();
    private readonly subscriptions: vscode.Disposable[] = [];

    constructor(host: ConsoleHost, options: ConsoleOptions = {}) {
        this.core = new ConsoleCore(host, (data) => this.writeEmitter.fire(data), options);
        this.subscriptions.push(
            vscode.window.onDidCloseTerminal((closed) => {
                if (closed === this.terminal) this.terminal = undefined;
            }),
            this.writeEmitter,
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

    private create(): vscode.Terminal {
        const pty: vscode.Pseudoterminal = {
            onDidWrite: this.writeEmitter.event,
            open: (dimensions) => this.core.open(dimensions?.columns),
            close: () => this.core.close(),
            handleInput: (data) => this.core.input(data),
            setDimensions: (dimensions) => this.core.resize(dimensions.columns),
        };
        return vscode.window.createTerminal({
            name: CONSOLE_NAME,
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
