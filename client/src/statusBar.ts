/**
 * The kernel's state in the status bar: starting, idle, busy (with the
 * running execution's elapsed time and how many wait), dead. Clicking it
 * shows the console. While something runs, a second item offers Interrupt.
 * Also keeps the context keys that menus and keybindings depend on.
 */
import * as vscode from 'vscode';
import { withoutIcons } from './displayText';
import { RSession } from './session';
import { StatusView, statusView } from './statusText';

export class KernelStatusBar implements vscode.Disposable {
    private readonly main = vscode.window.createStatusBarItem('rbridge.status', vscode.StatusBarAlignment.Left, 50);
    private readonly stop = vscode.window.createStatusBarItem('rbridge.interrupt', vscode.StatusBarAlignment.Left, 49);
    private readonly subscriptions: vscode.Disposable[] = [];
    private ticker: ReturnType<typeof setInterval> | undefined;
    private current: StatusView;
    private contextBusy: boolean | undefined;
    private contextRunning: boolean | undefined;
    private contextDetached: boolean | undefined;

    constructor(private readonly session: RSession, private readonly trusted: () => boolean) {
        this.main.name = 'R Kernel';
        this.main.command = 'rbridge.showConsole';
        this.stop.name = 'Interrupt R';
        this.stop.text = '$(debug-stop)';
        this.stop.tooltip = 'Interrupt R';
        this.stop.accessibilityInformation = { label: 'Interrupt R', role: 'button' };
        this.stop.command = 'rbridge.interrupt';
        this.current = this.compute();
        this.subscriptions.push(
            session.onDidChangeState(() => this.update()),
            session.onDidChangeExecutions(() => this.update()),
            this.main,
            this.stop,
        );
        this.update();
        this.main.show();
    }

    get view(): StatusView {
        return this.current;
    }

    private compute(): StatusView {
        const running = this.session.running;
        return statusView(this.session.state, { running, count: this.session.pending.length }, Date.now(), this.trusted(), this.session.attachedSession !== undefined);
    }

    update(): void {
        const view = this.compute();
        this.current = view;
        this.main.text = view.text;
        this.main.tooltip = view.tooltip;
        // A screen reader says the text, not the icon ids in it ("$(loading~spin) R: busy").
        this.main.accessibilityInformation = { label: withoutIcons(view.text), role: 'button' };
        this.main.backgroundColor = view.alert ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
        const busy = this.session.pending.length > 0;
        if (busy) this.stop.show();
        else this.stop.hide();
        // The elapsed time moves on its own while R is busy.
        if (busy && !this.ticker) this.ticker = setInterval(() => this.update(), 1000);
        if (!busy && this.ticker) {
            clearInterval(this.ticker);
            this.ticker = undefined;
        }
        this.setContext(busy, this.session.isReady);
        // The Variables view says a detached window's R still runs (package.json, viewsWelcome).
        const detached = this.session.state.kind === 'detached';
        if (detached !== this.contextDetached) {
            this.contextDetached = detached;
            void vscode.commands.executeCommand('setContext', 'rbridge.detached', detached);
        }
    }

    private setContext(busy: boolean, running: boolean): void {
        if (busy !== this.contextBusy) {
            this.contextBusy = busy;
            void vscode.commands.executeCommand('setContext', 'rbridge.kernelBusy', busy);
        }
        if (running !== this.contextRunning) {
            this.contextRunning = running;
            void vscode.commands.executeCommand('setContext', 'rbridge.kernelRunning', running);
        }
    }

    dispose(): void {
        if (this.ticker) clearInterval(this.ticker);
        for (const s of this.subscriptions) s.dispose();
    }
}
