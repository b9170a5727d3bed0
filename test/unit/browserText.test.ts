/**
 * How R's browser is shown (client/src/debug/browserText.ts): when a stop
 * that ended counts as the end of the browser, and the variables view's
 * header for the frame it lists. Plain Node.
 */
import * as assert from 'assert';
import { LEAVE_GRACE_MS, STEP_GRACE_MS, exitGraceMs, frameHeader } from '../../client/src/debug/browserText';

describe("R's browser: what the client shows", () => {
    it('c, cont, f, r and Q leave the browser soon; n, s and expressions keep it through a step', () => {
        for (const command of ['c', 'cont', 'f', 'r', 'Q', ' c ']) assert.strictEqual(exitGraceMs(command, false), LEAVE_GRACE_MS, command);
        for (const command of ['n', 's', 'where', 'ls()', 'x <- 1', '', 'cc']) assert.strictEqual(exitGraceMs(command, false), STEP_GRACE_MS, command);
        // A question withdrawn (the run was interrupted): gone soon.
        assert.strictEqual(exitGraceMs('', true), LEAVE_GRACE_MS);
        assert.ok(LEAVE_GRACE_MS < STEP_GRACE_MS);
    });

    it('the header names the browsed call and its place in the stack, the tooltip lists the stack', () => {
        const header = frameHeader({
            prompt: 'Browse[2]> ',
            level: 2,
            depth: 2,
            call: 'inner(x * 2)',
            frames: [
                { index: 1, call: 'outer(1)', name: 'outer' },
                { index: 2, call: 'inner(x * 2)', name: 'inner' },
            ],
        });
        assert.strictEqual(header.label, 'Browsing inner(x * 2)');
        assert.strictEqual(header.description, 'frame 2 of 2');
        assert.match(header.tooltip, /`Browse\[2\]>`/);
        assert.match(header.tooltip, /1\. `outer\(1\)`\n2\. `inner\(x \* 2\)` ← browsing/);
    });

    it('a long call is cut in the label, whole in the tooltip; without frames the call still names it', () => {
        const call = `f(${'a'.repeat(100)})`;
        const header = frameHeader({ prompt: 'Browse[1]> ', depth: 1, call, frames: [{ index: 1, call, name: 'f' }] });
        assert.ok(header.label.length <= 'Browsing '.length + 60, header.label);
        assert.ok(header.label.endsWith('…'));
        assert.ok(header.tooltip.includes(call));
        assert.strictEqual(frameHeader({ prompt: 'Browse[1]> ', depth: 1, call: 'g()' }).label, 'Browsing g()');
        assert.strictEqual(frameHeader({ prompt: 'Browse[1]> ', depth: 0, call: '' }).label, 'Browsing at the top level');
    });
});
