/**
 * The code a help page's "Run example" button runs: the example block as
 * R shows it, without the parts `example()` would not run either. Rd2HTML
 * writes `\dontrun{}` code between `## Not run:` and `## End(Not run)`
 * lines, uncommented: that code is left out, as example() leaves it out
 * (`run.dontrun = FALSE`). `\donttest{}` code (`## No test:`) runs, as
 * example() runs it in an interactive session.
 *
 * No `vscode` import: the page's bundle includes this file, and it is
 * tested in plain Node.
 */
export function exampleCode(text: string): string {
    const out: string[] = [];
    let skipping = false;
    for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
        if (!skipping && /^\s*## Not run:/.test(line)) {
            skipping = !/## End\(Not run\)/.test(line);
            continue;
        }
        if (skipping) {
            if (/## End\(Not run\)/.test(line)) skipping = false;
            continue;
        }
        out.push(line);
    }
    return out.join('\n').replace(/^\s*\n/, '').replace(/\s+$/, '') + '\n';
}
