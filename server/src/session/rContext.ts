/**
 * What the text before the cursor asks for, read from R code without R:
 * the completion context (a name, `x$`, `x@`, `x[["`, `pkg::`, a string
 * that names a file or a package) and the call the cursor is in (for
 * argument names and signature help). Pure functions, tested in
 * test/unit/rContext.test.ts.
 */

export type CompletionContext =
    | { kind: 'names'; prefix: string; call?: string }
    | { kind: 'member'; object: string; operator: '$' | '@' | '[['; prefix: string }
    | { kind: 'package'; package: string; internal: boolean; prefix: string }
    | { kind: 'library'; prefix: string }
    | { kind: 'file'; prefix: string }
    | { kind: 'none' };

/** The call the cursor is in: the function's name, which argument (0-based), and its name when written `name = `. */
export interface CallContext {
    name: string;
    argIndex: number;
    argName?: string;
    /** Names of the arguments already written (`x = 1` before the cursor). */
    named: string[];
}

const NAME = '[A-Za-z.][A-Za-z0-9._]*';
const ACCESS = `(?:${NAME}|\`[^\`]+\`)(?:\\$(?:${NAME}|\`[^\`]+\`)|@${NAME}|\\[\\["[^"]*"\\]\\])*`;

/** Where strings and comments are on a line before the cursor: null when the cursor is in a comment; else the open quote's position, or -1. */
function scanLine(line: string): { quote: number; quoteChar?: string } | null {
    let quote = -1;
    let quoteChar: string | undefined;
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (quoteChar) {
            if (c === '\\') i++;
            else if (c === quoteChar) {
                quoteChar = undefined;
                quote = -1;
            }
        } else if (c === '"' || c === "'" || c === '`') {
            quoteChar = c;
            quote = i;
        } else if (c === '#') {
            return null;
        }
    }
    return quoteChar && quoteChar !== '`' ? { quote, quoteChar } : { quote: -1 };
}

/** The completion context at the end of `before` (the document's text up to the cursor). */
export function completionContext(before: string): CompletionContext {
    const line = before.slice(before.lastIndexOf('\n') + 1);
    const scan = scanLine(line);
    if (!scan) return { kind: 'none' };
    if (scan.quote >= 0) {
        const inString = line.slice(scan.quote + 1);
        const head = line.slice(0, scan.quote);
        const member = new RegExp(`(${ACCESS})\\[\\[$`).exec(head);
        if (member) return { kind: 'member', object: member[1], operator: '[[', prefix: inString };
        if (/(?:library|require|requireNamespace|loadNamespace)\(\s*$/.test(head)) return { kind: 'library', prefix: inString };
        return { kind: 'file', prefix: inString };
    }
    const pkg = new RegExp(`(${NAME})(:::?)(${NAME})?$`).exec(line);
    if (pkg) return { kind: 'package', package: pkg[1], internal: pkg[2] === ':::', prefix: pkg[3] ?? '' };
    const member = new RegExp(`(${ACCESS})(\\$|@)(${NAME}|\`[^\`]*)?$`).exec(line);
    if (member) return { kind: 'member', object: member[1], operator: member[2] as '$' | '@', prefix: (member[3] ?? '').replace(/^`/, '') };
    const lib = new RegExp(`(?:library|require|requireNamespace|loadNamespace)\\(\\s*(${NAME})?$`).exec(line);
    if (lib) return { kind: 'library', prefix: lib[1] ?? '' };
    const word = new RegExp(`(${NAME})?$`).exec(line);
    const prefix = word?.[1] ?? '';
    // A number is not a name to complete.
    if (/[0-9]$/.test(line.slice(0, line.length - prefix.length)) && !prefix) return { kind: 'none' };
    const call = callContext(before.slice(0, before.length - prefix.length));
    return call ? { kind: 'names', prefix, call: call.name } : { kind: 'names', prefix };
}

/**
 * The innermost call whose parenthesis is open at the end of `before`
 * (brackets, braces and strings are skipped), looked for at most
 * `maxChars` back.
 */
export function callContext(before: string, maxChars = 4000): CallContext | undefined {
    const text = before.slice(-maxChars);
    // Strings and comments blanked, so that their brackets do not count.
    const code = blankStrings(text);
    let depth = 0;
    let commas = 0;
    for (let i = code.length - 1; i >= 0; i--) {
        const c = code[i];
        if (c === ')' || c === ']' || c === '}') depth++;
        else if (c === '(' || c === '[' || c === '{') {
            if (depth > 0) {
                depth--;
                continue;
            }
            if (c !== '(') return undefined;
            const head = new RegExp(`(${NAME}(?::::?${NAME})?)\\s*$`).exec(code.slice(0, i));
            if (!head) return undefined;
            const args = code.slice(i + 1);
            const named = [...args.matchAll(new RegExp(`(?:^|,)\\s*(${NAME})\\s*=(?!=)`, 'g'))].map((m) => m[1]);
            const last = topLevelSegments(args).at(-1) ?? '';
            const argName = new RegExp(`^\\s*(${NAME})\\s*=(?!=)`).exec(last)?.[1];
            return { name: head[1], argIndex: commas, named, ...(argName ? { argName } : {}) };
        } else if (c === ',' && depth === 0) commas++;
    }
    return undefined;
}

/** The text split at the commas outside brackets. */
function topLevelSegments(code: string): string[] {
    const parts: string[] = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < code.length; i++) {
        const c = code[i];
        if (c === '(' || c === '[' || c === '{') depth++;
        else if (c === ')' || c === ']' || c === '}') depth--;
        else if (c === ',' && depth === 0) {
            parts.push(code.slice(start, i));
            start = i + 1;
        }
    }
    parts.push(code.slice(start));
    return parts;
}

/** `code` with the insides of strings and comments replaced by spaces (same length). */
export function blankStrings(code: string): string {
    let out = '';
    let quote: string | undefined;
    let comment = false;
    for (let i = 0; i < code.length; i++) {
        const c = code[i];
        if (comment) {
            if (c === '\n') {
                comment = false;
                out += c;
            } else out += ' ';
        } else if (quote) {
            if (c === '\\' && i + 1 < code.length) {
                out += '  ';
                i++;
            } else if (c === quote) {
                quote = undefined;
                out += c;
            } else out += c === '\n' ? '\n' : ' ';
        } else if (c === '"' || c === "'") {
            quote = c;
            out += c;
        } else if (c === '#') {
            comment = true;
            out += ' ';
        } else out += c;
    }
    return out;
}

/** Names the document assigns (`x <- …`, `x = …` at the start of a line, `… -> x`), without evaluating anything. */
export function assignedNames(text: string, limit = 2000): string[] {
    const code = blankStrings(text);
    const names = new Set<string>();
    for (const m of code.matchAll(new RegExp(`(${NAME})\\s*<<?-`, 'g'))) names.add(m[1]);
    for (const m of code.matchAll(new RegExp(`^\\s*(${NAME})\\s*=(?!=)`, 'gm'))) names.add(m[1]);
    for (const m of code.matchAll(new RegExp(`->>?\\s*(${NAME})`, 'g'))) names.add(m[1]);
    return [...names].slice(0, limit);
}

/** The R name (or `pkg::name`) around `character` of `line`, with where it starts and ends. */
export function nameAt(line: string, character: number): { name: string; start: number; end: number } | undefined {
    const re = new RegExp(`${NAME}(?::::?${NAME})?(?:\\$${NAME})*`, 'g');
    for (const m of line.matchAll(re)) {
        const start = m.index ?? 0;
        const end = start + m[0].length;
        if (character >= start && character <= end) return { name: m[0], start, end };
    }
    return undefined;
}
