import * as assert from 'assert';
import { formatBytes, isSyntacticName, pathExpression, quoteName } from '../../client/src/rNames';
import { formatElapsed, statusView } from '../../client/src/statusText';

describe('R names and expressions for the variables view', () => {
    it('quotes names R cannot read bare', () => {
        assert.ok(isSyntacticName('df'));
        assert.ok(isSyntacticName('.hidden'));
        assert.ok(isSyntacticName('my.var_2'));
        assert.ok(!isSyntacticName('2x'));
        assert.ok(!isSyntacticName('.2x'));
        assert.ok(!isSyntacticName('if'));
        assert.ok(!isSyntacticName('my var'));
        assert.strictEqual(quoteName('my var'), '`my var`');
        assert.strictEqual(quoteName('a`b'), '`a\\`b`');
        assert.strictEqual(quoteName('TRUE'), '`TRUE`');
    });

    it('builds the expression of a path', () => {
        assert.strictEqual(pathExpression(['l']), 'l');
        assert.strictEqual(pathExpression(['l', '[[2]]', '[[1]]']), 'l[[2]][[1]]');
        assert.strictEqual(pathExpression(['e', '$a b', '@slot']), 'e$`a b`@slot');
        assert.strictEqual(pathExpression(['my df', '[[3]]']), '`my df`[[3]]');
    });

    it('formats sizes', () => {
        assert.strictEqual(formatBytes(56), '56 B');
        assert.strictEqual(formatBytes(2048), '2.0 KB');
        assert.strictEqual(formatBytes(8000048), '7.6 MB');
    });
});

describe('status bar text', () => {
    it('says what R is doing', () => {
        assert.match(statusView({ kind: 'stopped' }, { count: 0 }, 0, true).text, /R$/);
        assert.match(statusView({ kind: 'stopped' }, { count: 0 }, 0, false).tooltip, /not trusted/);
        assert.match(statusView({ kind: 'starting', cause: 'initial' }, { count: 0 }, 0, true).text, /starting/);
        assert.match(statusView({ kind: 'idle', rVersion: '4.2.2' }, { count: 0 }, 0, true).text, /idle/);
        const busy = statusView({ kind: 'busy' }, { running: { runningSince: 1000 }, count: 3 }, 13500, true);
        assert.match(busy.text, /busy 12 s · 2 queued/);
        assert.strictEqual(busy.kind, 'busy');
        const dead = statusView({ kind: 'dead', reason: 'R exited with code 1', cause: 'died' }, { count: 0 }, 0, true);
        assert.match(dead.text, /dead/);
        assert.match(dead.tooltip, /R exited with code 1/);
    });

    it('formats elapsed time', () => {
        assert.strictEqual(formatElapsed(999), '0 s');
        assert.strictEqual(formatElapsed(65000), '1 min 05 s');
        assert.strictEqual(formatElapsed(3720000), '1 h 02 min');
    });
});
