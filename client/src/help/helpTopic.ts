/**
 * Which help topic the user means: the R name under the cursor (for
 * "R: Help on Word Under Cursor", F1) and what is typed in a search box
 * (`lm`, `stats::lm`, `?lm`, `??linear model`).
 *
 * No `vscode` import: tested in plain Node.
 */

export interface HelpTarget {
    topic: string;
    /** Given as `pkg::topic`. */
    package?: string;
}

const NAME_CHAR = /[\p{L}\p{N}._]/u;
const OPERATOR_CHAR = /[-+*/^<>=!&|~:$@]/;

/**
 * The help topic at `character` (0-based, UTF-16) of `line`: the name the
 * cursor is in or just after (`lm`, `read.csv`, `is_null`), with its
 * package when written `pkg::name` or `pkg:::name`; a backquoted name; an
 * infix operator (`%in%`, `<-`, `|>`). Undefined where there is none (a
 * number, a blank).
 */
export function helpTargetAt(line: string, character: number): HelpTarget | undefined {
    const at = Math.max(0, Math.min(character, line.length));
    return backquoted(line, at) ?? percentOperator(line, at) ?? name(line, at) ?? operator(line, at);
}

function backquoted(line: string, at: number): HelpTarget | undefined {
    const re = /`([^`]+)`/g;
    for (let m = re.exec(line); m; m = re.exec(line)) {
        if (m.index <= at && at <= m.index + m[0].length) return withPackage(line, m.index, m[1]);
    }
    return undefined;
}

function percentOperator(line: string, at: number): HelpTarget | undefined {
    const re = /%[^%\s]*%/g;
    for (let m = re.exec(line); m; m = re.exec(line)) {
        if (m.index < at && at < m.index + m[0].length) return { topic: m[0] };
    }
    return undefined;
}

function name(line: string, at: number): HelpTarget | undefined {
    let start = at;
    let end = at;
    // In the name, or just after it (the cursor at the end of `lm`).
    if (!(end < line.length && NAME_CHAR.test(line[end])) && !(start > 0 && NAME_CHAR.test(line[start - 1]))) return undefined;
    while (start > 0 && NAME_CHAR.test(line[start - 1])) start--;
    while (end < line.length && NAME_CHAR.test(line[end])) end++;
    const text = line.slice(start, end);
    // `1.5`, `2L`: a number, no topic. (`x.1` is a name.)
    if (!isName(text)) return undefined;
    // On the package of `pkg::name`: the name is meant.
    const after = /^:::?([\p{L}.][\p{L}\p{N}._]*|`[^`]+`)/u.exec(line.slice(end));
    if (after) return { topic: after[1].replace(/^`|`$/g, ''), package: text };
    return withPackage(line, start, text);
}

function operator(line: string, at: number): HelpTarget | undefined {
    let start = at;
    let end = at;
    while (start > 0 && OPERATOR_CHAR.test(line[start - 1])) start--;
    while (end < line.length && OPERATOR_CHAR.test(line[end])) end++;
    const text = line.slice(start, end);
    return text ? { topic: text } : undefined;
}

/** `topic` written at `start` of `line`, with `pkg::` or `pkg:::` before it, if there is. */
function withPackage(line: string, start: number, topic: string): HelpTarget {
    const before = /([\p{L}.][\p{L}\p{N}._]*):::?$/u.exec(line.slice(0, start));
    return before && isName(before[1]) ? { topic, package: before[1] } : { topic };
}

/** A syntactic R name: not a number (`1.5`, `.5`, `2L`). */
function isName(text: string): boolean {
    return /^([\p{L}]|\.(?![0-9]))[\p{L}\p{N}._]*$/u.test(text) || text === '.';
}

/**
 * What the search box (or "R: Search Help") was given: a topic, maybe with
 * its package, or words to search the help pages for. `??words` and
 * `words: true` search words; `?topic`, `pkg::topic` and a single word are
 * a topic.
 */
export function parseHelpQuery(text: string, words = false): { kind: 'topic'; target: HelpTarget } | { kind: 'words'; query: string } | undefined {
    let t = text.trim();
    if (!t) return undefined;
    if (t.startsWith('??')) return wordsOf(t.slice(2));
    if (words) return wordsOf(t);
    if (t.startsWith('?')) t = t.slice(1).trim();
    t = t.replace(/^(['"`])(.*)\1$/, '$2');
    if (!t) return undefined;
    const qualified = /^([\p{L}.][\p{L}\p{N}._]*):::?(.+)$/u.exec(t);
    if (qualified) return { kind: 'topic', target: { package: qualified[1], topic: qualified[2].replace(/^`(.*)`$/, '$1') } };
    return { kind: 'topic', target: { topic: t } };
}

function wordsOf(text: string): { kind: 'words'; query: string } | undefined {
    const query = text.trim().replace(/^(['"])(.*)\1$/, '$2').trim();
    return query ? { kind: 'words', query } : undefined;
}
