import * as assert from 'assert';
import { exampleCode } from '../../client/src/help/examples';
import { helpTargetAt, parseHelpQuery } from '../../client/src/help/helpTopic';

/** The target with the cursor where `‸` is. */
function at(text: string) {
    const cursor = text.indexOf('‸');
    return helpTargetAt(text.replace('‸', ''), cursor);
}

describe('help: the topic under the cursor (F1)', () => {
    it('a name the cursor is in, or just after', () => {
        assert.deepStrictEqual(at('fit <- l‸m(mpg ~ wt, mtcars)'), { topic: 'lm' });
        assert.deepStrictEqual(at('fit <- lm‸(mpg ~ wt, mtcars)'), { topic: 'lm' });
        assert.deepStrictEqual(at('‸read.csv("a")'), { topic: 'read.csv' });
        assert.deepStrictEqual(at('x <- is_nu‸ll'), { topic: 'is_null' });
    });

    it('a name with its package: on the name, and on the package', () => {
        assert.deepStrictEqual(at('stats::l‸m(y ~ x)'), { topic: 'lm', package: 'stats' });
        assert.deepStrictEqual(at('st‸ats::lm(y ~ x)'), { topic: 'lm', package: 'stats' });
        assert.deepStrictEqual(at('utils:::head.‸default'), { topic: 'head.default', package: 'utils' });
    });

    it('operators and backquoted names', () => {
        assert.deepStrictEqual(at('a %i‸n% b'), { topic: '%in%' });
        assert.deepStrictEqual(at('x <‸- 1'), { topic: '<-' });
        assert.deepStrictEqual(at('x |>‸ f()'), { topic: '|>' });
        assert.deepStrictEqual(at('`my f‸un`(1)'), { topic: 'my fun' });
    });

    it('nothing on a number or a blank', () => {
        assert.strictEqual(at('x <- 1.‸5'), undefined);
        assert.strictEqual(at('x <- 2‸L'), undefined);
        assert.strictEqual(at('   ‸   '), undefined);
        assert.deepStrictEqual(at('x.1‸'), { topic: 'x.1' });
    });
});

describe('help: what the search box was given', () => {
    it('a topic, with or without its package or a question mark', () => {
        assert.deepStrictEqual(parseHelpQuery('lm'), { kind: 'topic', target: { topic: 'lm' } });
        assert.deepStrictEqual(parseHelpQuery(' ?lm '), { kind: 'topic', target: { topic: 'lm' } });
        assert.deepStrictEqual(parseHelpQuery('stats::lm'), { kind: 'topic', target: { topic: 'lm', package: 'stats' } });
        assert.deepStrictEqual(parseHelpQuery('"[["'), { kind: 'topic', target: { topic: '[[' } });
    });

    it('words: ??, or asked for', () => {
        assert.deepStrictEqual(parseHelpQuery('??linear model'), { kind: 'words', query: 'linear model' });
        assert.deepStrictEqual(parseHelpQuery('linear model', true), { kind: 'words', query: 'linear model' });
        assert.strictEqual(parseHelpQuery('  '), undefined);
        assert.strictEqual(parseHelpQuery('??'), undefined);
    });
});

describe('help: the code of a Run example button', () => {
    it("leaves out \\dontrun code, as example() does, and keeps \\donttest code", () => {
        const shown = [
            'x <- 1',
            '## Not run: ',
            'download.file("https://example.org/big")',
            '## End(Not run)',
            '## No test: ',
            'slow(x)',
            '## End(No test)',
            'print(x)',
        ].join('\n');
        assert.strictEqual(exampleCode(shown), ['x <- 1', '## No test: ', 'slow(x)', '## End(No test)', 'print(x)', ''].join('\n'));
        assert.strictEqual(exampleCode('\nrequire(graphics)\r\nplot(1)\n\n'), 'require(graphics)\nplot(1)\n');
    });
});
