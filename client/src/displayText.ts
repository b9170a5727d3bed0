/**
 * Short texts made for the screen: a status bar item's text as a screen
 * reader should say it (without `$(icon)` ids), and the preview of running
 * code in the long-run notification.
 *
 * No `vscode` import: tested in plain Node.
 */

/** A status bar text without its `$(icon)` and `$(icon~spin)` ids: "$(loading~spin) R: busy 3 s" → "R: busy 3 s". */
export function withoutIcons(text: string): string {
    return text
        .replace(/\$\([\w-]+(?:~[\w-]+)?\)/g, '')
        .replace(/\s{2,}/g, ' ')
        .trim();
}

/** The longest preview, in characters, before it is shortened. */
export const PREVIEW_CHARS = 50;

/**
 * What is running, in one short line: the first line of code that is not
 * blank or a comment (else the first line), shortened to PREVIEW_CHARS,
 * with one ellipsis when anything is left out: "…" right after a line cut
 * short, " …" after a whole line with more lines after it. An ellipsis the
 * comment ends with ("# fitting the model...") is not doubled.
 */
export function codePreview(code: string): string {
    const lines = code
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '');
    if (lines.length === 0) return '';
    const index = Math.max(
        0,
        lines.findIndex((line) => !line.startsWith('#')),
    );
    const line = lines[index];
    const cut = line.length > PREVIEW_CHARS;
    const more = index < lines.length - 1;
    const shown = cut ? line.slice(0, PREVIEW_CHARS - 1).trimEnd() : line;
    if (!cut && !more) return shown;
    // R's own `...` at the end of code stays; a comment's "..." is an ellipsis.
    const bare = shown.replace(line.startsWith('#') ? /(?:\s*(?:…|\.{2,}))+$/ : /(?:\s*…)+$/, '');
    return cut ? `${bare}…` : `${bare} …`;
}
