import * as assert from 'assert';
import type { ExecuteResult } from '../../common/protocol';
import { ConsoleCandidate, commonPrefix, completionOutcome, formatColumns, snippetText, wantsCompletion, wordStart } from '../../client/src/console/completion';
import { ConsoleCore, ConsoleHost } from '../../client/src/console/consoleCore';
import { LspCompletionList, consoleCandidates, positionAt } from '../../client/src/language/completionItems';

const MTCARS = ['mpg', 'cyl', 'disp', 'hp', 'drat', 'wt', 'qsec', 'vs', 'am', 'gear', 'carb'];

/** Candidates as the server gives them for `mtcars$<prefix>`: each replacing the prefix. */
function columns(line: string, prefix: string): ConsoleCandidate[] {
    const start = line.length - prefix.length;
    return MTCARS.filter((c) => c.startsWith(prefix)).map((c) => ({ label: c, newText: c, start, end: line.length }));
}

describe('console completion: what Tab does with the candidates', () => {
    it('Tab completes after part of a name, and indents at the start of a line or after a space', () => {
        assert.strictEqual(wantsCompletion('mtcars$', 7), true);
        assert.strictEqual(wantsCompletion('rno', 3), true);
        assert.strictEqual(wantsCompletion('', 0), false);
        assert.strictEqual(wantsCompletion('x <- ', 5), false);
        assert.strictEqual(wordStart('x <- rno', 8), 5);
        assert.strictEqual(wordStart('mtcars$mp', 9), 7);
        assert.strictEqual(wordStart('read.cs', 7), 0);
    });

    it('one candidate completes inline, replacing what was typed of it', () => {
        const line = 'mtcars$mp';
        assert.deepStrictEqual(completionOutcome(line, line.length, columns(line, 'mp')), { kind: 'edit', start: 7, end: 9, text: 'mpg', cursor: 10 });
    });

    it('several that share more than what is typed complete that much', () => {
        const candidates: ConsoleCandidate[] = ['read.csv', 'read.csv2', 'read.delim'].map((label) => ({ label, newText: label }));
        assert.deepStrictEqual(completionOutcome('read.c', 6, candidates), { kind: 'edit', start: 0, end: 6, text: 'read.csv', cursor: 8 });
    });

    it('several that share nothing more are listed; none is nothing', () => {
        const line = 'mtcars$d';
        assert.deepStrictEqual(completionOutcome(line, line.length, columns(line, 'd')), { kind: 'list', labels: ['disp', 'drat'] });
        assert.deepStrictEqual(completionOutcome('zzz', 3, []), { kind: 'none' });
    });

    it('candidates that do not start with what is typed are left out (the client filters, as VS Code does)', () => {
        const candidates: ConsoleCandidate[] = [
            { label: 'rnorm', newText: 'rnorm' },
            { label: 'runif', newText: 'runif' },
        ];
        assert.deepStrictEqual(completionOutcome('x <- rn', 7, candidates), { kind: 'edit', start: 5, end: 7, text: 'rnorm', cursor: 10 });
    });

    it('an argument with its " = " and a snippet with its final tab stop', () => {
        assert.deepStrictEqual(completionOutcome('rnorm(10, s', 11, [{ label: 'sd = ', newText: 'sd = ' }]), { kind: 'edit', start: 10, end: 11, text: 'sd = ', cursor: 15 });
        assert.deepStrictEqual(snippetText('paste0(${1:x}, $0)'), { text: 'paste0(x, )', cursorOffset: 10 });
        assert.deepStrictEqual(snippetText('f(${1|a,b|})'), { text: 'f(a)' });
        assert.deepStrictEqual(snippetText('\\$x'), { text: '$x' });
    });

    it('the common prefix never splits a surrogate pair', () => {
        assert.strictEqual(commonPrefix(['a😀b', 'a😁c']), 'a');
        assert.strictEqual(commonPrefix(['abc', 'abd', 'ab']), 'ab');
    });

    it('lists in columns, down each column first, as wide as the console', () => {
        const text = formatColumns(['alpha', 'beta', 'gamma', 'delta', 'epsilon'], 20);
        // Columns of 7 + 2: two fit in 20; three rows.
        assert.strictEqual(text, 'alpha    delta\nbeta     epsilon\ngamma\n');
        assert.strictEqual(formatColumns(['a', 'b'], 80), 'a  b\n');
        const many = formatColumns(Array.from({ length: 250 }, (_, i) => `n${i}`), 80);
        assert.match(many, /… and 50 more\n$/);
    });
});

describe('console completion: the server answer as candidates', () => {
    it('textEdit ranges become offsets into the typed line, after the lines of an incomplete expression', () => {
        const document = 'f <- function() {\n  mtcars$d';
        const lineOffset = document.indexOf('  mtcars');
        const position = positionAt(document, document.length);
        assert.deepStrictEqual(position, { line: 1, character: 10 });
        const range = { start: { line: 1, character: 9 }, end: { line: 1, character: 10 } };
        const answer: LspCompletionList = {
            isIncomplete: false,
            items: [
                { label: 'drat', sortText: '1drat', textEdit: { range, newText: 'drat' } },
                { label: 'disp', sortText: '1disp', textEdit: { range, newText: 'disp' } },
                // An edit reaching into the lines R has already: left out.
                { label: 'bad', textEdit: { range: { start: { line: 0, character: 0 }, end: range.end }, newText: 'bad' } },
            ],
        };
        const candidates = consoleCandidates(answer, document, lineOffset, '  mtcars$d'.length);
        assert.deepStrictEqual(candidates, [
            { label: 'disp', newText: 'disp', start: 9, end: 10 },
            { label: 'drat', newText: 'drat', start: 9, end: 10 },
        ]);
    });

    it('items without an edit insert their insertText or label over the word; a list may give a default range', () => {
        assert.deepStrictEqual(consoleCandidates([{ label: 'rnorm', insertText: 'rnorm(' }], 'rn', 0, 2), [{ label: 'rnorm', newText: 'rnorm(' }]);
        const withDefault: LspCompletionList = {
            isIncomplete: true,
            itemDefaults: { editRange: { start: { line: 0, character: 0 }, end: { line: 0, character: 2 } } },
            items: [{ label: 'rnorm', textEditText: 'rnorm' }],
        };
        assert.deepStrictEqual(consoleCandidates(withDefault, 'rn', 0, 2), [{ label: 'rnorm', newText: 'rnorm', start: 0, end: 2 }]);
        assert.deepStrictEqual(consoleCandidates(null, '', 0, 0), []);
    });
});

/** A console whose host answers Tab with the candidates a test gives. */
function consoleWith(answer: (text: string, cursor: number, before: readonly string[]) => Promise<ConsoleCandidate[]>) {
    const asked: { text: string; cursor: number; before: readonly string[] }[] = [];
    const written: string[] = [];
    const host: ConsoleHost = {
        // Every line entered is an incomplete expression: R waits for more.
        execute: async (): Promise<ExecuteResult> => ({ executionId: 'x', status: 'incomplete', durationMs: 0 }),
        interrupt: () => undefined,
        complete: (text, cursor, before) => {
            asked.push({ text, cursor, before });
            return answer(text, cursor, before);
        },
    };
    const core = new ConsoleCore(host, (data) => written.push(data), { flushMs: 5 });
    core.open(40);
    return { core, asked, written };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('console completion: Tab at the prompt', () => {
    it('one candidate completes the line inline', async () => {
        const { core, asked } = consoleWith(async (text) => columns(text, text.slice(text.lastIndexOf('$') + 1)));
        core.input('mtcars$mp\t');
        await tick();
        assert.deepStrictEqual(asked, [{ text: 'mtcars$mp', cursor: 9, before: [] }]);
        assert.strictEqual(core.text(), '> mtcars$mpg');
    });

    it('several are listed under the line, which comes back after them', async () => {
        const { core } = consoleWith(async (text) => columns(text, text.slice(text.lastIndexOf('$') + 1)));
        core.input('mtcars$d\t');
        await tick();
        assert.strictEqual(core.text(), '> mtcars$d\ndisp  drat\n> mtcars$d');
    });

    it('an answer that comes after more was typed is not used', async () => {
        let release: (c: ConsoleCandidate[]) => void = () => undefined;
        const { core } = consoleWith(() => new Promise((resolve) => (release = resolve)));
        core.input('mtcars$mp\t');
        core.input('x');
        release(columns('mtcars$mp', 'mp'));
        await tick();
        assert.strictEqual(core.text(), '> mtcars$mpx');
    });

    it('Tab at the start of a line, or after a space, indents without asking', async () => {
        const { core, asked } = consoleWith(async () => []);
        core.input('\t');
        core.input('x <- \t');
        await tick();
        assert.strictEqual(asked.length, 0);
        assert.strictEqual(core.text(), '>   x <-   ');
    });

    it('nothing to complete rings the bell and leaves the line as it is', async () => {
        const { core, written } = consoleWith(async () => []);
        core.input('zzz\t');
        await tick();
        assert.strictEqual(core.text(), '> zzz');
        assert.ok(written.includes('\x07'), 'the bell');
    });

    it('the lines of an incomplete expression go with the line', async () => {
        const { core, asked } = consoleWith(async () => []);
        core.input('f <- function() {\r');
        await tick();
        core.input('  mtcars$\t');
        await tick();
        assert.deepStrictEqual(asked[0].before, ['f <- function() {']);
    });
});
