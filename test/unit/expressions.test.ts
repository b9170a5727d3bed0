import * as assert from 'assert';
import { expressionAtLine, findExpressions, linesFromTop, linesToEnd } from '../../client/src/expressions';

/** The expressions of `lines` as [start, end] pairs. */
function ranges(...lines: string[]): [number, number][] {
    return findExpressions(lines.join('\n')).map((r) => [r.startLine, r.endLine]);
}

describe('R expression boundaries (client scanner)', () => {
    it('one expression per line', () => {
        assert.deepStrictEqual(ranges('a <- 1', 'b <- 2', 'print(a + b)'), [[0, 0], [1, 1], [2, 2]]);
    });

    it('a native pipeline runs as one', () => {
        assert.deepStrictEqual(ranges('df |>', '  subset(x > 1) |>', '  head()', 'y <- 2'), [[0, 2], [3, 3]]);
    });

    it('a magrittr chain and a ggplot sum run as one', () => {
        assert.deepStrictEqual(ranges('mtcars %>%', '  filter(cyl == 4) %>%', '  summary()'), [[0, 2]]);
        assert.deepStrictEqual(ranges('ggplot(df, aes(x, y)) +', '  geom_point() +', '  theme_bw()', ''), [[0, 2]]);
    });

    it('a function definition spanning lines runs as one', () => {
        assert.deepStrictEqual(ranges('f <- function(x, y) {', '  z <- x + y', '  z * 2', '}', 'f(1, 2)'), [[0, 3], [4, 4]]);
    });

    it('a function whose body starts on the next line', () => {
        assert.deepStrictEqual(ranges('sq <- function(x)', '  x^2', 'sq(3)'), [[0, 1], [2, 2]]);
        assert.deepStrictEqual(ranges('sq <- \\(x)', '  x^2', 'sq(3)'), [[0, 1], [2, 2]]);
        assert.deepStrictEqual(ranges('for (i in 1:3)', '  print(i)', 'done'), [[0, 1], [2, 2]]);
        assert.deepStrictEqual(ranges('if (ok) # a comment', '  go()', 'next_thing'), [[0, 1], [2, 2]]);
    });

    it('if/else with the else after the closing brace', () => {
        assert.deepStrictEqual(ranges('if (a > 1) {', '  "big"', '} else {', '  "small"', '}', 'z'), [[0, 4], [5, 5]]);
        assert.deepStrictEqual(ranges('x <- if (a) 1 else', '  2'), [[0, 1]]);
    });

    it('operators and commas at the end of a line continue the expression', () => {
        assert.deepStrictEqual(ranges('total <-', '  1 +', '  2', 'y ~', '  x', 'c(1,', '2)'), [[0, 2], [3, 4], [5, 6]]);
        assert.deepStrictEqual(ranges('a,', 'b'), [[0, 1]]);
        assert.deepStrictEqual(ranges('x <- 1e-5 -', '  2'), [[0, 1]]);
        assert.deepStrictEqual(ranges('a &&', 'b || c', 'd'), [[0, 1], [2, 2]]);
        assert.deepStrictEqual(ranges('dt[, v := x *', '  2]'), [[0, 1]]);
    });

    it('brackets, quotes and # inside strings and comments do not count', () => {
        assert.deepStrictEqual(ranges('x <- "(( {["', 'y <- 2'), [[0, 0], [1, 1]]);
        assert.deepStrictEqual(ranges("x <- '# not a comment ('", 'y'), [[0, 0], [1, 1]]);
        assert.deepStrictEqual(ranges('x <- 1 # ( [ { |>', 'y <- 2'), [[0, 0], [1, 1]]);
        assert.deepStrictEqual(ranges('x <- "a\\"(b"', 'y'), [[0, 0], [1, 1]]);
        assert.deepStrictEqual(ranges('`odd (name` <- 1', 'y'), [[0, 0], [1, 1]]);
    });

    it('raw strings, with and without dashes', () => {
        assert.deepStrictEqual(ranges('x <- r"(a " ( ] })"', 'y <- 2'), [[0, 0], [1, 1]]);
        assert.deepStrictEqual(ranges('x <- R"---[a ]" ) ]---"', 'y <- 2'), [[0, 0], [1, 1]]);
        assert.deepStrictEqual(ranges("x <- r'{", '  (', "}'", 'y'), [[0, 2], [3, 3]]);
        // `r` as a name is not a raw string.
        assert.deepStrictEqual(ranges('r <- 1', 'r("x")', 'y'), [[0, 0], [1, 1], [2, 2]]);
    });

    it('a string spanning lines', () => {
        assert.deepStrictEqual(ranges('msg <- "first', 'second"', 'y'), [[0, 1], [2, 2]]);
    });

    it('expressions sharing a line are merged', () => {
        assert.deepStrictEqual(ranges('a <- 1; b <- 2', 'c <- 3'), [[0, 0], [1, 1]]);
        assert.deepStrictEqual(ranges('a <- 1; b <- c(', '2)', 'd'), [[0, 1], [2, 2]]);
    });

    it('blank and comment lines are not expressions', () => {
        assert.deepStrictEqual(ranges('a', '', '# note', '  ', 'b'), [[0, 0], [4, 4]]);
    });

    it('an unclosed bracket runs to the end', () => {
        assert.deepStrictEqual(ranges('f(', '  1,', ''), [[0, 1]]);
    });

    it('a stray closing bracket does not break what follows', () => {
        assert.deepStrictEqual(ranges('x)', 'y <- 1', 'z'), [[0, 0], [1, 1], [2, 2]]);
    });

    it('the expression under the cursor, and where the cursor goes next', () => {
        const text = ['library(stats)', '', 'f <- function(x) {', '  x + 1', '}', '# done', 'f(1)'].join('\n');
        assert.deepStrictEqual(expressionAtLine(text, 3), { range: { startLine: 2, endLine: 4 }, nextLine: 6 });
        assert.deepStrictEqual(expressionAtLine(text, 0), { range: { startLine: 0, endLine: 0 }, nextLine: 2 });
        // On a blank or comment line: the next expression.
        assert.deepStrictEqual(expressionAtLine(text, 1), { range: { startLine: 2, endLine: 4 }, nextLine: 6 });
        assert.deepStrictEqual(expressionAtLine(text, 5), { range: { startLine: 6, endLine: 6 }, nextLine: 6 });
        assert.strictEqual(expressionAtLine('x\n\n# end\n', 2), undefined);
        // After the last expression the cursor goes to the line after it.
        assert.deepStrictEqual(expressionAtLine('x\ny\n\n', 1), { range: { startLine: 1, endLine: 1 }, nextLine: 2 });
    });

    it('run from the top and to the end never stop inside an expression', () => {
        const text = ['a <- 1', 'g <- function() {', '  2', '}', 'b <- 3'].join('\n');
        assert.deepStrictEqual(linesFromTop(text, 2), { startLine: 0, endLine: 3 });
        assert.deepStrictEqual(linesToEnd(text, 2), { startLine: 1, endLine: 4 });
        assert.deepStrictEqual(linesFromTop(text, 0), { startLine: 0, endLine: 0 });
    });

    it('scans a large file quickly', () => {
        const block = ['x <- c(1, 2, "a(b", r"(raw))")', 'y <- x |>', '  rev() # comment', 'f <- function(a) {', '  a + 1', '}'];
        const text = Array.from({ length: 20000 }, () => block.join('\n')).join('\n');
        const started = Date.now();
        const found = findExpressions(text);
        const elapsed = Date.now() - started;
        assert.strictEqual(found.length, 20000 * 3);
        assert.ok(elapsed < 2000, `scanning 120000 lines took ${elapsed} ms`);
    });
});
