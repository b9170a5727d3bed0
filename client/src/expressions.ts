/**
 * Finds where top-level R expressions begin and end, line by line, without
 * asking R: "Run Selection or Current Line" must answer at once, even while R
 * is busy, and must send a whole pipeline or function definition as one
 * piece. The scanner knows just enough of R's lexical grammar for that:
 * brackets, strings (with backslash escapes), raw strings (r"(...)"),
 * backtick names, comments, numbers, and the operators and keywords after
 * which an expression must go on (`|>`, `%>%`, `+`, `<-`, `,`, `else`, the
 * head of `function (x)` or `if (cond)` waiting for its body).
 *
 * It does not validate: code with a syntax error still gets sensible
 * boundaries, and R reports the error when the code runs.
 *
 * This module does not import `vscode`, so that its tests run in plain Node.
 */

/** A range of whole lines, 0-based, both ends included. */
export interface LineRange {
    startLine: number;
    endLine: number;
}

export interface ExpressionAtLine {
    /** The lines to run. */
    range: LineRange;
    /**
     * Where the cursor goes afterwards: the first line of the next
     * expression, or the line after `range` when no expression follows.
     */
    nextLine: number;
}

/** What the last token on a line says about whether the expression goes on. */
const enum Tail {
    /** Nothing yet, or `;`: the expression may end here. */
    None,
    /** A value, a name, a closing bracket: the expression may end here. */
    Complete,
    /** A binary or unary operator, `,`, `else`, `function`...: it must go on. */
    Continues,
}

const KEYWORDS_WITH_HEAD = new Set(['if', 'for', 'while', 'function']);
/** Keywords after which something must follow on the next line. */
const KEYWORDS_CONTINUING = new Set(['else', 'repeat', 'in']);

/** Operators longest first, so that `<<-` wins over `<-` and `<`. */
const OPERATORS = [
    '<<-', '->>', ':::',
    '|>', '||', '&&', '<-', '->', '<=', '>=', '==', '!=', '::', ':=', '**',
    '+', '-', '*', '/', '^', '~', '?', ':', '=', '<', '>', '!', '&', '|', '$', '@', ',', '\\',
];

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS = new Set([')', ']', '}']);

interface Bracket {
    char: string;
    /** The `(` right after `if`, `for`, `while`, `function` or `\`: a body must follow its `)`. */
    head: boolean;
}

/**
 * The top-level expressions of `text` as line ranges, in order. Expressions
 * that share a line (`a <- 1; b <- 2`, or one ending on the line where the
 * next begins) are merged, because only whole lines are run.
 */
export function findExpressions(text: string): LineRange[] {
    const ranges: LineRange[] = [];
    const stack: Bracket[] = [];
    let line = 0;
    let i = 0;
    const n = text.length;

    // Changed inside the closures below, which narrowing does not see.
    let tail = Tail.None as Tail;
    /** A keyword that takes a parenthesised head was just seen. */
    let headPending = false;
    /** The last token closed the head of `if (...)`, `function (...)`...: a body must follow. */
    let awaitingBody = false;
    /** First line of the expression being read, or -1 between expressions. */
    let start = -1;
    /** Line of the last token of that expression. */
    let lastTokenLine = -1;

    const token = (kind: Tail, tokenStartLine = line) => {
        if (start < 0) start = tokenStartLine;
        lastTokenLine = line;
        tail = kind;
        awaitingBody = false;
    };

    const endExpression = () => {
        if (start < 0) return;
        const previous = ranges[ranges.length - 1];
        if (previous && start <= previous.endLine) previous.endLine = Math.max(previous.endLine, lastTokenLine);
        else ranges.push({ startLine: start, endLine: lastTokenLine });
        start = -1;
        tail = Tail.None;
    };

    /** Skips a quoted string or backtick name that starts at `i`; counts its line breaks. */
    const skipQuoted = (quote: string) => {
        i++;
        while (i < n) {
            const c = text[i];
            if (c === '\\') {
                if (text[i + 1] === '\n') line++;
                i += 2;
                continue;
            }
            if (c === '\n') line++;
            i++;
            if (c === quote) return;
        }
    };

    /**
     * Skips a raw string whose `r`/`R` is at `i`, when one starts there:
     * r"(...)", R'[...]', r"---{...}---". Returns false when `i` does not
     * start a raw string.
     */
    const skipRawString = (): boolean => {
        const quote = text[i + 1];
        if (quote !== '"' && quote !== "'") return false;
        let j = i + 2;
        while (text[j] === '-') j++;
        const dashes = j - (i + 2);
        const open = text[j];
        const close = open === '(' ? ')' : open === '[' ? ']' : open === '{' ? '}' : undefined;
        if (!close) return false;
        const terminator = close + '-'.repeat(dashes) + quote;
        const end = text.indexOf(terminator, j + 1);
        const stop = end < 0 ? n : end + terminator.length;
        for (let k = i; k < stop; k++) if (text.charCodeAt(k) === 10) line++;
        i = stop;
        return true;
    };

    while (i < n) {
        const c = text[i];
        const code = text.charCodeAt(i);

        if (c === '\n') {
            // A line break ends the expression only at the top level, after
            // something that can end one.
            if (stack.length === 0 && tail !== Tail.Continues && !awaitingBody) endExpression();
            line++;
            i++;
            continue;
        }
        if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || code === 0xa0 || code === 0xfeff) {
            i++;
            continue;
        }
        if (c === '#') {
            const eol = text.indexOf('\n', i);
            i = eol < 0 ? n : eol;
            continue;
        }
        if (c === '"' || c === "'" || c === '`') {
            const startLine = line;
            skipQuoted(c);
            token(Tail.Complete, startLine);
            headPending = false;
            continue;
        }
        if ((c === 'r' || c === 'R') && !isNameChar(text.charCodeAt(i - 1))) {
            const startLine = line;
            if (skipRawString()) {
                token(Tail.Complete, startLine);
                headPending = false;
                continue;
            }
        }
        if (isDigit(code) || (c === '.' && isDigit(text.charCodeAt(i + 1)))) {
            NUMBER.lastIndex = i;
            const match = NUMBER.exec(text);
            i += match ? match[0].length : 1;
            token(Tail.Complete);
            headPending = false;
            continue;
        }
        if (isNameStart(code)) {
            let j = i + 1;
            while (j < n && isNameChar(text.charCodeAt(j))) j++;
            const word = text.slice(i, j);
            i = j;
            if (KEYWORDS_WITH_HEAD.has(word)) {
                token(Tail.Continues);
                headPending = true;
            } else if (KEYWORDS_CONTINUING.has(word)) {
                token(Tail.Continues);
                headPending = false;
            } else {
                token(Tail.Complete);
                headPending = false;
            }
            continue;
        }
        if (c in OPENERS) {
            const head = headPending && c === '(';
            token(Tail.Continues);
            headPending = false;
            stack.push({ char: c, head });
            i++;
            continue;
        }
        if (CLOSERS.has(c)) {
            const open = stack.pop();
            token(Tail.Complete);
            headPending = false;
            // `function (x)` or `if (cond)` at the end of a line: the body
            // comes on the next one.
            if (open?.head) awaitingBody = true;
            i++;
            continue;
        }
        if (c === '%') {
            // A user operator such as %>% or %in%: up to the next % on the line.
            let j = i + 1;
            while (j < n && text[j] !== '%' && text[j] !== '\n') j++;
            i = text[j] === '%' ? j + 1 : j;
            token(Tail.Continues);
            headPending = false;
            continue;
        }
        if (c === ';') {
            // Ends an expression, but only whole lines are run: the next one
            // on the same line is merged with it.
            lastTokenLine = line;
            if (stack.length === 0) {
                tail = Tail.None;
                awaitingBody = false;
            }
            headPending = false;
            i++;
            continue;
        }
        const operator = OPERATORS.find((op) => text.startsWith(op, i));
        if (operator) {
            i += operator.length;
            token(Tail.Continues);
            // `\(x) x + 1` is a function: its parameters are a head.
            headPending = operator === '\\';
            continue;
        }
        // Anything else (a stray character): part of the expression.
        token(Tail.Complete);
        headPending = false;
        i++;
    }
    endExpression();
    return ranges;
}

/**
 * The expression to run for a cursor on `line`: the one that covers the
 * line, or, on a blank or comment line between expressions, the next one.
 * Undefined when no expression is at or after the line.
 */
export function expressionAtLine(text: string, line: number): ExpressionAtLine | undefined {
    return expressionIn(findExpressions(text), line, lineCount(text));
}

/** As `expressionAtLine`, on ranges already found. */
export function expressionIn(ranges: LineRange[], line: number, totalLines: number): ExpressionAtLine | undefined {
    const index = ranges.findIndex((r) => r.endLine >= line);
    if (index < 0) return undefined;
    const range = ranges[index];
    const following = ranges[index + 1];
    const nextLine = following ? following.startLine : Math.min(range.endLine + 1, Math.max(totalLines - 1, 0));
    return { range, nextLine };
}

/**
 * The lines from the top of the document to the end of the expression that
 * covers `line` (or to `line` itself when it is between expressions), so
 * that "Run From Top to Line" never stops in the middle of an expression.
 */
export function linesFromTop(text: string, line: number): LineRange {
    const covering = findExpressions(text).find((r) => r.startLine <= line && line <= r.endLine);
    return { startLine: 0, endLine: covering ? covering.endLine : line };
}

/**
 * The lines from the start of the expression that covers `line` (or from
 * `line` itself) to the end of the document.
 */
export function linesToEnd(text: string, line: number): LineRange {
    const covering = findExpressions(text).find((r) => r.startLine <= line && line <= r.endLine);
    return { startLine: covering ? covering.startLine : line, endLine: Math.max(lineCount(text) - 1, 0) };
}

export function lineCount(text: string): number {
    let count = 1;
    for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) count++;
    return count;
}

const NUMBER = /0[xX][0-9a-fA-F]*(?:\.[0-9a-fA-F]*)?(?:[pP][+-]?\d+)?[Li]?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[Li]?/y;

function isDigit(code: number): boolean {
    return code >= 48 && code <= 57;
}

/** Letters, `.` and anything outside ASCII (R accepts letters of the locale). */
function isNameStart(code: number): boolean {
    return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 46 || code > 127;
}

function isNameChar(code: number): boolean {
    return isNameStart(code) || isDigit(code) || code === 95;
}
