/**
 * Command-line parsing for `rbridge`: which mode to run in (expressions, a
 * script, or a REPL) and the options that shape the R session.
 */

export interface CliOptions {
    /** `-e` expressions, run one after another; empty unless in expression mode. */
    exprs: string[];
    /** The script to run, when in file mode. */
    file?: string;
    /** Arguments for the script, seen by R as commandArgs(trailingOnly = TRUE). */
    scriptArgs: string[];
    rPath?: string;
    server?: string;
    cwd?: string;
    trusted: boolean;
    echo: boolean;
    stopOnError: boolean;
    autoRestart: boolean;
    /** --plots DIR: where each plot is written as a PNG. */
    plots?: string;
    /** --plot-size WxH: the size plots are drawn at, in pixels. */
    plotSize: [number, number];
}

export type ParseResult =
    | { kind: 'run'; mode: 'expr' | 'file' | 'repl'; options: CliOptions }
    | { kind: 'help' }
    | { kind: 'version' }
    | { kind: 'usageError'; message: string };

export const USAGE = `Usage:
  rbridge [options] -e CODE [-e CODE ...]   run each CODE in turn, then exit
  rbridge [options] FILE [ARGS ...]         run the R script FILE, then exit
  rbridge [options]                         start an interactive R session

Options:
  -e CODE               R code to run (repeatable; each runs as one execution)
  --r PATH              the R executable to use (default: R on the PATH)
  --cwd DIR             working directory of the R session (default: the current one)
  --trusted             trust the working directory: R runs its .Rprofile
  --echo                echo each expression, with R's prompts, before it runs
  --no-stop-on-error    keep running after an error (the exit code is still 1)
  --auto-restart        start a new R session when R dies (interactive sessions)
  --plots DIR           write each plot R draws to DIR/plot-N.png (made if missing)
  --plot-size WxH       the size of those pictures, in pixels (default 800x600)
  --args ARGS ...       the remaining arguments are passed to R's commandArgs()
  --server PATH         the rbridge server to drive (default: server.js next to this program)
  -h, --help            show this help
  --version             show the version

Without -e or FILE, and with standard input not a terminal, the lines read
from standard input are run as an R console would run them.

Exit status: 0 when every execution succeeded; 1 when one failed (an error,
a parse error, incomplete code, an interrupt, R dying or not starting); 2 for
a usage error. q(status = N) in R ends rbridge with status N.

Each plot R draws prints a line where R's output goes: [plot N], or with
--plots DIR, [plot N: DIR/plot-N.png] once the file is written.`;

/** Options that take a value, by every spelling they accept. */
const VALUE_OPTIONS: Record<string, 'expr' | 'rPath' | 'server' | 'cwd' | 'plots' | 'plotSize'> = {
    '-e': 'expr',
    '--plots': 'plots',
    '--plot-size': 'plotSize',
    '--r': 'rPath',
    '--server': 'server',
    '--cwd': 'cwd',
};

export function parseArgs(argv: readonly string[]): ParseResult {
    const options: CliOptions = {
        exprs: [],
        scriptArgs: [],
        trusted: false,
        echo: false,
        stopOnError: true,
        autoRestart: false,
        plotSize: [800, 600],
    };
    let sawExpr = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (options.file !== undefined) {
            // Everything after the script belongs to the script, as with Rscript.
            options.scriptArgs.push(arg);
            continue;
        }
        if (arg === '--') {
            const file = argv[i + 1];
            if (file === undefined) return { kind: 'usageError', message: "'--' must be followed by the script to run" };
            options.file = file;
            i++;
            continue;
        }
        if (arg === '--args') {
            options.scriptArgs.push(...argv.slice(i + 1));
            break;
        }
        if (arg === '-h' || arg === '--help') return { kind: 'help' };
        if (arg === '--version') return { kind: 'version' };

        // A value option: `--r PATH`, `--r=PATH`, and for -e also `-eCODE`.
        const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
        const name = eq > 0 ? arg.slice(0, eq) : arg.startsWith('-e') && arg.length > 2 ? '-e' : arg;
        const target = VALUE_OPTIONS[name];
        if (target) {
            let value: string | undefined;
            if (eq > 0) value = arg.slice(eq + 1);
            else if (name !== arg) value = arg.slice(2);
            else {
                // The next argument is the value even when it starts with a
                // dash: `-e -1` runs the R code `-1`.
                value = argv[i + 1];
                i++;
            }
            if (value === undefined) return { kind: 'usageError', message: `option '${name}' needs a value` };
            if (target === 'expr') {
                options.exprs.push(value);
                sawExpr = true;
            } else if (target === 'plotSize') {
                const size = /^(\d{1,5})[x×](\d{1,5})$/.exec(value);
                const [width, height] = size ? [Number(size[1]), Number(size[2])] : [0, 0];
                if (width < 1 || height < 1 || width > 20000 || height > 20000) {
                    return { kind: 'usageError', message: `option '--plot-size' needs WIDTHxHEIGHT in pixels (1 to 20000), such as 800x600; got '${value}'` };
                }
                options.plotSize = [width, height];
            } else {
                if (value === '') return { kind: 'usageError', message: `option '${name}' needs a non-empty value` };
                options[target] = value;
            }
            continue;
        }

        switch (arg) {
            case '--trusted':
                options.trusted = true;
                continue;
            case '--echo':
                options.echo = true;
                continue;
            case '--no-stop-on-error':
                options.stopOnError = false;
                continue;
            case '--auto-restart':
                options.autoRestart = true;
                continue;
        }
        if (arg.startsWith('-')) {
            return { kind: 'usageError', message: `unknown option '${arg}'` };
        }
        options.file = arg;
    }
    if (sawExpr && options.file !== undefined) {
        return { kind: 'usageError', message: `give either -e CODE or a script to run, not both (got -e and '${options.file}')` };
    }
    const mode = sawExpr ? 'expr' : options.file !== undefined ? 'file' : 'repl';
    return { kind: 'run', mode, options };
}
