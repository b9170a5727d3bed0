import * as assert from 'assert';
import { codePreview, withoutIcons } from '../../client/src/displayText';
import { spacedOperator } from '../../client/src/operatorText';
import { readableExpression } from '../../client/src/valueNames';

describe('client: the R expression "Copy Name" gives', () => {
    it('uses names where the value has them', () => {
        assert.strictEqual(
            readableExpression('nested', [
                { segment: '[[1]]', name: 'a' },
                { segment: '[[1]]', name: 'b' },
            ]),
            'nested$a$b',
        );
        assert.strictEqual(readableExpression('df', [{ segment: '[[1]]', name: 'col' }]), 'df$col');
        assert.strictEqual(readableExpression('df', [{ segment: '[[2]]', name: 'my col' }]), 'df$`my col`');
        assert.strictEqual(readableExpression('my df', [{ segment: '[[2]]', name: 'if' }]), '`my df`$`if`');
    });

    it('uses positions where there is no name, or where $name would reach an earlier element', () => {
        assert.strictEqual(readableExpression('l', [{ segment: '[[3]]', name: '[[3]]' }]), 'l[[3]]');
        assert.strictEqual(readableExpression('l', [{ segment: '[[2]]', name: 'x', shadowed: true }]), 'l[[2]]');
        assert.strictEqual(
            readableExpression('l', [
                { segment: '[[2]]', name: 'sub' },
                { segment: '[[1]]', name: '[[1]]' },
            ]),
            'l$sub[[1]]',
        );
    });

    it('environments and slots as before', () => {
        assert.strictEqual(
            readableExpression('e', [
                { segment: '$a b', name: 'a b' },
                { segment: '@slot', name: 'slot' },
            ]),
            'e$`a b`@slot',
        );
        assert.strictEqual(readableExpression('cnt', [{ segment: '$n', name: 'n' }]), 'cnt$n');
        assert.strictEqual(readableExpression('x', []), 'x');
    });
});

describe('client: texts for the screen', () => {
    it('status bar texts without icon ids, for screen readers', () => {
        assert.strictEqual(withoutIcons('$(loading~spin) R: busy'), 'R: busy');
        assert.strictEqual(withoutIcons('$(loading~spin) R: busy 12 s · 2 queued'), 'R: busy 12 s · 2 queued');
        assert.strictEqual(withoutIcons('$(terminal) R: idle'), 'R: idle');
        assert.strictEqual(withoutIcons('$(circle-large-outline) R'), 'R');
        assert.strictEqual(withoutIcons('$(sync~spin) R: dead, restarting'), 'R: dead, restarting');
    });

    it('the long-run preview has one ellipsis, never "… …"', () => {
        const comment = '# Fit the model on every bootstrap sample and keep the coefficients ...';
        const preview = codePreview(`${comment}\nfor (i in 1:1000) fits[[i]] <- lm(y ~ x, data = boot(d))\n`);
        assert.ok(!/…\s*…|\.\.\.\s*…/.test(preview), preview);
        assert.strictEqual((preview.match(/…/g) ?? []).length, 1, preview);
        // The code, not the comment above it.
        assert.match(preview, /^for \(i in 1:1000\)/);
        assert.ok(preview.length <= 51, preview);
    });

    it('the long-run preview of a comment alone, a long line, several lines, one short line', () => {
        assert.strictEqual(codePreview('# fitting...\n# still fitting'), '# fitting …');
        assert.strictEqual(codePreview('Sys.sleep(10)'), 'Sys.sleep(10)');
        assert.strictEqual(codePreview('\n  Sys.sleep(10)\n'), 'Sys.sleep(10)');
        assert.strictEqual(codePreview('x <- 1\ny <- 2'), 'x <- 1 …');
        assert.strictEqual(codePreview('f <- function(x, ...)\n  g(x, ...)'), 'f <- function(x, ...) …');
        const long = 'result <- some_function(argument_one = 1, argument_two = 2, argument_three = 3)';
        assert.strictEqual(codePreview(long), long.slice(0, 49) + '…');
        assert.strictEqual(codePreview(`${long}\nmore()`), long.slice(0, 49) + '…');
        assert.strictEqual(codePreview(''), '');
    });
});

describe("client: RStudio's operator keys", () => {
    it('spaces the operator as written by hand', () => {
        assert.strictEqual(spacedOperator('<-', 'x', ''), ' <- ');
        assert.strictEqual(spacedOperator('<-', 'x ', ''), '<- ');
        assert.strictEqual(spacedOperator('<-', '', ''), '<- ');
        assert.strictEqual(spacedOperator('<-', '  x', ' 1'), ' <-');
        assert.strictEqual(spacedOperator('|>', 'mtcars', ''), ' |> ');
        assert.strictEqual(spacedOperator('%>%', 'df ', 'filter(x)'), '%>% ');
    });
});
