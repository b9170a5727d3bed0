/**
 * The VS Code client's feedback (client/src/feedback.ts) and the state it
 * works from (client/src/sessionState.ts, the status bar text): what the
 * user is told follows the facts of r/kernelStatus (startCause,
 * deathCause, restartInMs, restartAbandoned, notice), not the order of
 * states. Plain Node: the console, notifications and actions are fakes.
 */
import * as assert from 'assert';
import type { KernelStatusParams } from '../../common/protocol';
import { Feedback, FeedbackAction } from '../../client/src/feedback';
import type { ExecutionRecord } from '../../client/src/session';
import { SessionState, restartComing, stateFromStatus } from '../../client/src/sessionState';
import { statusView } from '../../client/src/statusText';

interface Notified {
    severity: string;
    message: string;
    actions: string[];
}

/** A Feedback with recording ports; `choose` is the button the "user" presses on the next notification. */
function setup(options: { cwd?: string; trusted?: boolean; launchedTrusted?: boolean } = {}) {
    const notes: { text: string; style: string }[] = [];
    const notified: Notified[] = [];
    const acted: FeedbackAction[] = [];
    let abandoned = 0;
    const pending: Promise<unknown>[] = [];
    const user = { choose: undefined as string | undefined };
    const feedback = new Feedback(
        {
            note: (text, style = 'info') => notes.push({ text, style }),
            abandonInput: () => abandoned++,
            notify: (severity, message, ...actions) => {
                notified.push({ severity, message, actions });
                const answer = Promise.resolve(user.choose);
                pending.push(answer);
                return answer;
            },
            act: (action) => acted.push(action),
        },
        {
            cwd: () => options.cwd,
            trusted: () => options.trusted ?? true,
            launchedTrusted: () => options.launchedTrusted,
        },
    );
    /** Feeds r/kernelStatus messages as the session would. */
    const status = (...messages: KernelStatusParams[]) => {
        for (const p of messages) {
            const state = stateFromStatus(p);
            if (state) feedback.stateChanged(state);
            else feedback.notice(p);
        }
    };
    /** Lets the button presses reach their actions. */
    const settle = async () => {
        await Promise.all(pending);
        await new Promise((resolve) => setImmediate(resolve));
    };
    return { feedback, notes, notified, acted, status, settle, user, abandoned: () => abandoned };
}

const ready = (): KernelStatusParams => ({ state: 'idle', pid: 10, queueLength: 0, rVersion: '4.3.1' });

describe('client: session state from r/kernelStatus', () => {
    it('keeps the facts of a death', () => {
        const state = stateFromStatus({
            state: 'dead',
            queueLength: 0,
            reason: 'R killed by SIGKILL',
            deathCause: 'died',
            restartInMs: 250,
            exitCode: null,
            signal: 'SIGKILL',
        });
        assert.deepStrictEqual(state, { kind: 'dead', reason: 'R killed by SIGKILL', cause: 'died', restartInMs: 250, exitCode: null, signal: 'SIGKILL' });
        assert.ok(restartComing(state!));
        const abandoned = stateFromStatus({ state: 'dead', queueLength: 0, reason: 'gave up', deathCause: 'died', restartAbandoned: true });
        assert.ok(!restartComing(abandoned!));
    });

    it('takes the start cause, and treats a notice as no change of state', () => {
        assert.deepStrictEqual(stateFromStatus({ state: 'restarting', queueLength: 0, startCause: 'automatic' }), { kind: 'restarting', cause: 'automatic' });
        assert.strictEqual(stateFromStatus({ state: 'busy', queueLength: 0, notice: 'unresponsive', reason: 'R is not responding' }), undefined);
    });
});

describe('client: the status bar follows the facts of a death', () => {
    it('a restart on its way, a restart abandoned, a quit, a start failure', () => {
        const view = (state: SessionState) => statusView(state, { count: 0 }, 0, true);
        const coming = view({ kind: 'dead', reason: 'R killed by SIGKILL', cause: 'died', restartInMs: 2000 });
        assert.match(coming.text, /restarting/);
        assert.match(coming.tooltip, /A new R starts in 2 s/);
        assert.ok(!coming.alert, 'nothing for the user to do');
        const abandoned = view({ kind: 'dead', reason: 'R died 6 times', cause: 'died', restartAbandoned: true });
        assert.match(abandoned.text, /dead/);
        assert.strictEqual(abandoned.alert, true);
        const quit = view({ kind: 'dead', reason: 'R was quit', cause: 'quit', exitCode: 3 });
        assert.match(quit.text, /quit/);
        assert.match(quit.tooltip, /R quit \(exit status 3\)/);
        assert.ok(!quit.alert, 'quitting is no alarm');
        const failed = view({ kind: 'dead', reason: "R was not found (tried 'R')", cause: 'startFailed' });
        assert.match(failed.tooltip, /R could not be started: R was not found/);
        assert.strictEqual(failed.alert, true);
    });
});

describe('client: feedback about R', () => {
    it('says when R is ready, with its version and working directory', () => {
        const f = setup({ cwd: '/work' });
        f.status({ state: 'starting', queueLength: 0, startCause: 'initial' }, ready());
        assert.deepStrictEqual(f.notes, [{ text: 'R 4.3.1 is ready (working directory: /work).', style: 'info' }]);
    });

    it('R not found: said once, with Open Setting and Install R; nothing else', async () => {
        const f = setup();
        f.user.choose = 'Open Setting';
        const reason = "R was not found (tried '/opt/R'). Install R, or set the R path.";
        f.status({ state: 'starting', queueLength: 0, startCause: 'initial' }, { state: 'dead', queueLength: 0, reason, deathCause: 'startFailed' });
        assert.deepStrictEqual(f.notes, [{ text: "R was not found (tried '/opt/R').", style: 'error' }]);
        assert.strictEqual(f.notified.length, 1);
        assert.strictEqual(f.notified[0].severity, 'error');
        assert.deepStrictEqual(f.notified[0].actions, ['Open Setting', 'Install R']);
        await f.settle();
        assert.deepStrictEqual(f.acted, ['openRPathSetting']);
    });

    it('another start failure: the reason, with Open Settings and Show Log', async () => {
        const f = setup();
        f.user.choose = 'Show Log';
        f.status({ state: 'dead', queueLength: 0, reason: 'jsonlite is not installed', deathCause: 'startFailed' });
        assert.deepStrictEqual(f.notes, [{ text: 'R could not be started: jsonlite is not installed', style: 'error' }]);
        assert.deepStrictEqual(f.notified[0].actions, ['Open Settings', 'Show Log']);
        await f.settle();
        assert.deepStrictEqual(f.acted, ['showLog']);
    });

    it('a death right after a start is a death, not a start failure, when the server says so', () => {
        const f = setup();
        f.status({ state: 'restarting', queueLength: 0, startCause: 'requested' });
        f.status({ state: 'dead', queueLength: 0, reason: 'R killed by SIGKILL', deathCause: 'died' });
        assert.deepStrictEqual(
            f.notes.map((n) => n.text),
            ['Restarting R…', 'R died: R killed by SIGKILL'],
        );
        assert.deepStrictEqual(f.notified[0].actions, ['Restart R']);
        assert.ok(!/could not be started/.test(f.notified[0].message));
    });

    it('R died with a restart on its way: the console says when, and nobody is asked', () => {
        const f = setup();
        f.status(ready(), { state: 'dead', queueLength: 0, reason: 'R killed by SIGKILL', deathCause: 'died', restartInMs: 2000 });
        assert.deepStrictEqual(f.notes, [
            { text: 'R died: R killed by SIGKILL', style: 'error' },
            { text: 'R will be restarted in 2 s.', style: 'info' },
        ]);
        assert.strictEqual(f.notified.length, 0);
        f.status({ state: 'restarting', queueLength: 0, startCause: 'automatic' }, ready());
        assert.deepStrictEqual(f.notes.slice(2).map((n) => n.text), ['Starting a new R…', 'R 4.3.1 is ready.']);
    });

    it('R died and the server gave up restarting: the user is asked, with Restart R', async () => {
        const f = setup();
        f.user.choose = 'Restart R';
        const reason = 'R killed by SIGKILL. R died 6 times in 5 minutes; not restarting it again.';
        f.status(ready(), { state: 'dead', queueLength: 0, reason, deathCause: 'died', restartAbandoned: true });
        assert.deepStrictEqual(f.notes, [{ text: `R died: ${reason}`, style: 'error' }]);
        assert.strictEqual(f.notified.length, 1);
        assert.strictEqual(f.notified[0].severity, 'warning');
        assert.deepStrictEqual(f.notified[0].actions, ['Restart R']);
        assert.ok(!f.notes.some((n) => /will be restarted/.test(n.text)));
        await f.settle();
        assert.deepStrictEqual(f.acted, ['restart']);
    });

    it('the server giving up in a further message: only that is said', () => {
        const f = setup();
        f.status(ready(), { state: 'dead', queueLength: 0, reason: 'R killed by SIGKILL', deathCause: 'died', restartInMs: 8000 });
        f.status({ state: 'dead', queueLength: 0, reason: 'R died 6 times in 5 minutes; not restarting it again.', deathCause: 'died', restartAbandoned: true });
        assert.deepStrictEqual(
            f.notes.map((n) => n.text),
            ['R died: R killed by SIGKILL', 'R will be restarted in 8 s.', 'R died 6 times in 5 minutes; not restarting it again.'],
        );
        assert.strictEqual(f.notified.length, 1);
        assert.strictEqual(f.notified[0].message, 'R died 6 times in 5 minutes; not restarting it again.');
    });

    it('R died without autoRestart (no restart announced): Restart R is offered', () => {
        const f = setup();
        f.status(ready(), { state: 'dead', queueLength: 0, reason: 'R exited with code 1', deathCause: 'died', exitCode: 1 });
        assert.deepStrictEqual(f.notified.map((n) => [n.severity, n.message, n.actions]), [['warning', 'R died: R exited with code 1', ['Restart R']]]);
    });

    it('the same death told again adds nothing', () => {
        const f = setup();
        const dead: KernelStatusParams = { state: 'dead', queueLength: 0, reason: 'R exited with code 1', deathCause: 'died' };
        f.status(ready(), dead, dead);
        assert.strictEqual(f.notes.length, 1);
        assert.strictEqual(f.notified.length, 1);
    });

    it('R quit: "R quit", no red "R died", and an offer to start it', async () => {
        const f = setup();
        f.user.choose = 'Start R';
        f.status(ready(), {
            state: 'dead',
            queueLength: 0,
            reason: 'R was quit by the code being run (quit() or q()) (R exited with code 3)',
            deathCause: 'quit',
            exitCode: 3,
        });
        assert.deepStrictEqual(f.notes, [{ text: 'R quit (exit status 3).', style: 'info' }]);
        assert.deepStrictEqual(f.notified.map((n) => [n.severity, n.message, n.actions]), [['info', 'R quit (exit status 3).', ['Start R']]]);
        await f.settle();
        assert.deepStrictEqual(f.acted, ['restart']);
    });

    it('R quit with a restart on its way: said in the console only', () => {
        const f = setup();
        f.status(ready(), { state: 'dead', queueLength: 0, reason: 'quit', deathCause: 'quit', exitCode: 0, restartInMs: 250 });
        assert.deepStrictEqual(
            f.notes.map((n) => [n.text, n.style]),
            [
                ['R quit (exit status 0).', 'info'],
                ['R will be restarted.', 'info'],
            ],
        );
        assert.strictEqual(f.notified.length, 0);
    });

    it('R stopped by the server is said as such', () => {
        const f = setup();
        f.status(ready(), { state: 'dead', queueLength: 0, reason: 'the kernel broke the protocol: x', deathCause: 'stopped', restartInMs: 1000 });
        assert.deepStrictEqual(f.notes[0], { text: 'R was stopped: the kernel broke the protocol: x', style: 'error' });
    });

    it('the unresponsive notice: its reason, in the console and with Restart R', async () => {
        const f = setup();
        f.user.choose = 'Restart R';
        const reason = 'R is not responding to the interrupt (it may be inside C code that does not check for interrupts). Wait, or restart R.';
        f.status(ready(), { state: 'busy', pid: 10, queueLength: 0 }, { state: 'busy', pid: 10, queueLength: 0, reason, notice: 'unresponsive' });
        assert.deepStrictEqual(f.notes, [{ text: reason, style: 'warning' }]);
        assert.deepStrictEqual(f.notified.map((n) => [n.severity, n.message, n.actions]), [['warning', reason, ['Restart R']]]);
        await f.settle();
        assert.deepStrictEqual(f.acted, ['restart']);
    });

    it('the server process gone: started again once, then the user decides', () => {
        const f = setup();
        f.feedback.stateChanged({ kind: 'idle' });
        f.feedback.stateChanged({ kind: 'dead', reason: 'The R Bridge server stopped unexpectedly.', cause: 'serverGone', restartInMs: 0 });
        assert.strictEqual(f.abandoned(), 1, 'the console stops waiting for input');
        assert.strictEqual(f.notified.length, 0);
        f.feedback.stateChanged({ kind: 'starting', cause: 'initial' });
        f.feedback.stateChanged({ kind: 'dead', reason: 'stopped twice', cause: 'serverGone', restartAbandoned: true });
        assert.deepStrictEqual(f.notified.map((n) => [n.severity, n.actions]), [['error', ['Restart R', 'Show Log']]]);
    });

    it('new launch settings: tried at once after a start failure, else a restart is offered', () => {
        const f = setup();
        f.feedback.launchSettingsChanged({ kind: 'dead', reason: 'not found', cause: 'startFailed' });
        assert.deepStrictEqual(f.acted, ['retryStart']);
        assert.strictEqual(f.notified.length, 0);
        f.feedback.launchSettingsChanged({ kind: 'dead', reason: 'R exited with code 1', cause: 'died' });
        f.feedback.launchSettingsChanged({ kind: 'idle' });
        assert.strictEqual(f.notified.length, 2);
        assert.deepStrictEqual(f.notified[0].actions, ['Restart R']);
        f.feedback.launchSettingsChanged({ kind: 'stopped' });
        assert.strictEqual(f.notified.length, 2);
    });

    it('trust: explained once before R starts in an untrusted workspace; granting it starts or offers a restart', () => {
        const f = setup({ trusted: false, launchedTrusted: false });
        f.feedback.explainTrust();
        f.feedback.explainTrust();
        assert.strictEqual(f.notified.length, 1);
        assert.match(f.notified[0].message, /not trusted/);
        f.feedback.trustGranted({ kind: 'stopped' });
        assert.deepStrictEqual(f.acted, ['start']);
        f.feedback.trustGranted({ kind: 'idle' });
        assert.match(f.notified[1].message, /trusted now/);
    });

    it('a failed run: what R could not print, the location, incomplete code, an interrupt', () => {
        const f = setup();
        const record = (status: ExecutionRecord['result']['status'], extra: Partial<ExecutionRecord> = {}): ExecutionRecord => ({
            executionId: 'e',
            request: { code: 'x', origin: 'editor', echo: true, stopOnError: true },
            result: { executionId: 'e', status, durationMs: 1, error: { message: 'the code contains a NUL character' } },
            wroteStderr: false,
            ...extra,
        });
        f.feedback.executed(record('parseError'), undefined);
        f.feedback.executed(record('error', { wroteStderr: true }), 'at a.R:3');
        f.feedback.executed(record('incomplete'), undefined);
        f.feedback.executed(record('interrupted'), undefined);
        assert.deepStrictEqual(
            f.notes.map((n) => n.style),
            ['error', 'location', 'error', 'info'],
        );
        assert.strictEqual(f.notes[0].text, 'Error: the code contains a NUL character');
        assert.strictEqual(f.notes[1].text, 'at a.R:3');
        assert.strictEqual(f.notes[3].text, 'Interrupted.');
    });
});
