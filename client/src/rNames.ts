/**
 * R expressions for values the variables view shows, built from their paths
 * (`["l", "[[2]]", "$e", "@slot"]`), for "Copy Name", "Print to Console",
 * "str() to Console" and "Remove". These are the expressions a user would
 * type, so they are echoed in the console as they are.
 *
 * No `vscode` import: tested in plain Node.
 */

const RESERVED = new Set([
    'if', 'else', 'repeat', 'while', 'function', 'for', 'next', 'break', 'TRUE', 'FALSE', 'NULL',
    'Inf', 'NaN', 'NA', 'NA_integer_', 'NA_real_', 'NA_character_', 'NA_complex_', 'in',
]);

/** Whether `name` can be written as it is in R code (otherwise it needs backticks). */
export function isSyntacticName(name: string): boolean {
    if (RESERVED.has(name) || /^\.\.(\.|\d+)$/.test(name)) return false;
    return /^(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*$/.test(name) || name === '.';
}

/** `name` as R code: as it is when syntactic, else in backticks. */
export function quoteName(name: string): string {
    if (isSyntacticName(name)) return name;
    return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** The R expression that reaches the value at `path`. */
export function pathExpression(path: readonly string[]): string {
    let expression = quoteName(path[0] ?? '');
    for (const segment of path.slice(1)) {
        if (segment.startsWith('[[')) expression += segment;
        else if (segment.startsWith('$')) expression += '$' + quoteName(segment.slice(1));
        else if (segment.startsWith('@')) expression += '@' + quoteName(segment.slice(1));
        else expression += `[[${JSON.stringify(segment)}]]`;
    }
    return expression;
}

/** A size in bytes as people read it: "56 B", "7.6 MB". */
export function formatBytes(bytes: number): string {
    if (bytes < 1024) return `${bytes} B`;
    const units = ['KB', 'MB', 'GB', 'TB'];
    let value = bytes / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
