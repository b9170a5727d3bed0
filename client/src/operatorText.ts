/**
 * The text that RStudio's keys insert in R code: Alt+- the assignment
 * ` <- `, Ctrl+Shift+M the pipe (` |> ` or ` %>% `), spaced so that the
 * line reads as written by hand: no second space where there is one
 * already, none at the start of a line.
 *
 * No `vscode` import: tested in plain Node.
 */

/**
 * `operator` with the spaces it needs between `before` (the line's text up
 * to the cursor, or to the start of the selection) and `after` (the text
 * after the cursor, or after the selection).
 */
export function spacedOperator(operator: string, before: string, after: string): string {
    const leading = before === '' || /\s$/.test(before) ? '' : ' ';
    const trailing = /^\s/.test(after) ? '' : ' ';
    return leading + operator + trailing;
}
