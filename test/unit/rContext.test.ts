/**
 * The completion context and the call around the cursor, read from R code
 * without R (server/src/session/rContext.ts).
 */
import * as assert from 'assert';
import { assignedNames, blankStrings, callContext, completionContext, nameAt } from '../../server/src/session/rContext';

describe('R code context (no R)', () => {
    it('tells what the text before the cursor asks to complete', () => {
        assert.deepStrictEqual(completionContext('x <- my'), { kind: 'names', prefix: 'my' });
        assert.deepStrictEqual(completionContext('df$'), { kind: 'member', object: 'df', operator: '$', prefix: '' });
        assert.deepStrictEqual(completionContext('a$b$c'), { kind: 'member', object: 'a$b', operator: '$', prefix: 'c' });
        assert.deepStrictEqual(completionContext('obj@sl'), { kind: 'member', object: 'obj', operator: '@', prefix: 'sl' });
        assert.deepStrictEqual(completionContext('l[["ke'), { kind: 'member', object: 'l', operator: '[[', prefix: 'ke' });
        assert.deepStrictEqual(completionContext('stats::rn'), { kind: 'package', package: 'stats', internal: false, prefix: 'rn' });
        assert.deepStrictEqual(completionContext('pkg:::'), { kind: 'package', package: 'pkg', internal: true, prefix: '' });
        assert.deepStrictEqual(completionContext('library(gg'), { kind: 'library', prefix: 'gg' });
        assert.deepStrictEqual(completionContext('require("ti'), { kind: 'library', prefix: 'ti' });
        assert.deepStrictEqual(completionContext('read.csv("data/fi'), { kind: 'file', prefix: 'data/fi' });
        assert.deepStrictEqual(completionContext('lm(fo'), { kind: 'names', prefix: 'fo', call: 'lm' });
        assert.deepStrictEqual(completionContext('x <- 1 # df$'), { kind: 'none' });
        assert.deepStrictEqual(completionContext('"a # b" + d'), { kind: 'names', prefix: 'd' });
        assert.deepStrictEqual(completionContext('x <- 12'), { kind: 'none' });
    });

    it('finds the call around the cursor, its argument and the names written', () => {
        assert.deepStrictEqual(callContext('rnorm('), { name: 'rnorm', argIndex: 0, named: [] });
        assert.deepStrictEqual(callContext('rnorm(c(1, 2), "a,b", '), { name: 'rnorm', argIndex: 2, named: [] });
        assert.deepStrictEqual(callContext('f(x = 1, y = '), { name: 'f', argIndex: 1, named: ['x', 'y'], argName: 'y' });
        assert.deepStrictEqual(callContext('stats::lm(y ~ x,\n  data = d, '), { name: 'stats::lm', argIndex: 2, named: ['data'] });
        assert.deepStrictEqual(callContext('g(1)[2'), undefined, 'inside brackets, no call');
        assert.deepStrictEqual(callContext('f(a == '), { name: 'f', argIndex: 0, named: [] });
        assert.strictEqual(callContext('x <- 1'), undefined);
    });

    it('knows the names a document assigns, and the name under the cursor', () => {
        assert.deepStrictEqual(assignedNames('a <- 1\nb = 2\n3 -> c\nf(d = 4)\n"e <- 5"\nglobal <<- 1').sort(), ['a', 'b', 'c', 'global']);
        assert.strictEqual(blankStrings('x <- "a(b" # c(\ny'), 'x <- "   "     \ny');
        assert.deepStrictEqual(nameAt('fit <- stats::lm(y)', 10), { name: 'stats::lm', start: 7, end: 16 });
        assert.deepStrictEqual(nameAt('df$col + 1', 4), { name: 'df$col', start: 0, end: 6 });
        assert.strictEqual(nameAt('1 + 2', 2), undefined);
    });
});
