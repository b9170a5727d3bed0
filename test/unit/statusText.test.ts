import * as assert from 'assert';
import { statusView } from '../../client/src/statusText';

describe('status bar text', () => {
    it('says "waiting for input" while R waits for an answer (readline(), menu()), not "busy"', () => {
        const asking = statusView({ kind: 'busy', rVersion: '4.2.2' }, { running: { runningSince: 0, awaitingInput: true }, count: 2 }, 5000, true);
        assert.match(asking.text, /R: waiting for input · 1 queued$/);
        assert.doesNotMatch(asking.text, /busy/);
        assert.match(asking.tooltip, /waiting for input/);
        assert.strictEqual(asking.kind, 'busy');
        // Answered: busy again, with the elapsed time.
        const running = statusView({ kind: 'busy' }, { running: { runningSince: 0, awaitingInput: false }, count: 1 }, 5000, true);
        assert.match(running.text, /R: busy 5 s$/);
    });
});
