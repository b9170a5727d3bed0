/**
 * Command-line parsing for `rbridge`: which mode to run in (expressions, a
 * script, or a REPL), the options that shape the R session, whether to
 * attach to a detached session, the session commands (`rbridge
 * sessions`, `rbridge stop-session`) and the background-job commands
 * (`rbridge job FILE`, `rbridge jobs`).
 */
import * as fs from 'fs';

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
    /**
     * --attach [TARGET]: attach to a detached session instead of starting a
     * server; `target` (a workspace folder, a pid or a session id) is
     * undefined when none was given.
     */
    attach?: { target?: string };
    /** --session: attach to the session of the working directory, starting one if there is none. */
    session: boolean;
    /** --idle-timeout MINUTES, for the session --session starts. */
    idleTimeoutMinutes?: number;
    /** `rbridge job FILE`: its options (the file is `file`). */
    job: JobOptions;
    /** `rbridge jobs --json`. */
    json: boolean;
}

export interface JobOptions {
    /** --name N: the job's name (default: the file's name). */
    name?: string;
    /** --result NAME: assign the result to NAME in the session (attached only). */
    resultName?: string;
    /** --copy-globals: the job gets the session's global variables its code uses. */
    copyGlobals: boolean;
}

/**
 * What rbridge does: run `-e` code, a script or the console, or run a
 * script as a background job (`job`) or list a session's jobs (`jobs`).
 */
export type RunMode = 'expr' | 'file' | 'repl' | 'job' | 'jobs';

export type ParseResult =
    | { kind: 'run'; mode: RunMode; options: CliOptions }
    | { kind: 'sessions'; json: boolean }
    | { kind: 'stopSession'; target?: string }
    | { kind: 'help' }
    | { kind: 'version' }
    | { kind: 'usageError'; message: string };

export const USAGE = `Usage:
  rbridge [options] -e CODE [-e CODE ...]   run each CODE in turn, then exit
  rbridge [options] FILE [ARGS ...]         run the R script FILE, then exit
  rbridge [options]                         start an interactive R session
  rbridge sessions [--json]                 list the detached R sessions
  rbridge stop-session [TARGET]             stop a detached R session (R ends)
  rbridge [options] job FILE [job options]  run the R script FILE as a background
                                            job, following its output to its end
  rbridge [options] jobs [--json]           list the background jobs of a session
                                            (attaches as --attach does, by default)

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
  --attach [TARGET]     attach to a detached R session instead of starting R; TARGET
                        is its workspace folder, a pid (server or R) or its id
                        (default: the session of the current directory, else the
                        only one); leaving detaches, and R keeps running
  --session             attach to the current directory's session, starting one
                        (detached, it outlives rbridge) if there is none
  --idle-timeout MIN    a session --session starts stops after MIN minutes without
                        a client (default 60; 0: never)
  -h, --help            show this help
  --version             show the version

Job options (rbridge job):
  --name NAME           the job's name (default: the script's file name)
  --result NAME         once the job is done, assign its result to NAME in the
                        session (needs --attach or --session: a session rbridge
                        starts ends with it)
  --copy-globals        give the job the session's global variables its code uses
                        (else it starts in a clean R)

Without -e or FILE, and with standard input not a terminal, the lines read
from standard input are run as an R console would run them.

Exit status: 0 when every execution succeeded; 1 when one failed (an error,
a parse error, incomplete code, an interrupt, R dying or not starting); 2 for
a usage error, or a session that cannot be found or attached to. q(status = N)
in R ends rbridge with status N. rbridge job: 0 when the job is done, 1 when
it failed or was cancelled elsewhere, 130 after Ctrl+C (which cancels it).

Each plot R draws prints a line where R's output goes: [plot N], or with
--plots DIR, [plot N: DIR/plot-N.png] once the file is written.`;

/** Options that take a value, by every spelling they accept. */
const VALUE_OPTIONS: Record<string, 'expr' | 'rPath' | 'server' | 'cwd' | 'plots' | 'plotSize' | 'idleTimeout' | 'jobName' | 'jobResult'> = {
    '--idle-timeout': 'idleTimeout',
    '--name': 'jobName',
    '--result': 'jobResult',
    '-e': 'expr',
    '--plots': 'plots',
    '--plot-size': 'plotSize',
    '--r': 'rPath',
    '--server': 'server',
    '--cwd': 'cwd',
};

/** Options that mean nothing to `rbridge job` and `rbridge jobs` (they shape executions, not jobs). */
const NOT_FOR_JOBS = new Set(['-e', '--echo', '--no-stop-on-error', '--auto-restart', '--plots', '--plot-size', '--args']);
/** Options of `rbridge job` alone. */
const JOB_ONLY = new Set(['--name', '--result', '--copy-globals']);

/** A syntactic R name, as r/job/result accepts. */
const R_NAME = /^(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*$/;

/** A session id as the registry makes them (common/sessions.ts): 12 hex digits. */
const SESSION_ID = /^[0-9a-f]{12}$/;

function isFile(p: string): boolean {
    try {
        return fs.statSync(p).isFile();
    } catch {
        return false;
    }
}

/** `rbridge sessions ...` and `rbridge stop-session ...`. */
function parseSessionCommand(command: string, argv: readonly string[]): ParseResult {
    let json = false;
    let target: string | undefined;
    for (const arg of argv) {
        if (arg === '-h' || arg === '--help') return { kind: 'help' };
        if (command === 'sessions' && arg === '--json') json = true;
        else if (arg.startsWith('-')) return { kind: 'usageError', message: `unknown option '${arg}' for 'rbridge ${command}'` };
        else if (command === 'stop-session' && target === undefined) target = arg;
        else return { kind: 'usageError', message: `unexpected argument '${arg}' for 'rbridge ${command}'` };
    }
    return command === 'sessions' ? { kind: 'sessions', json } : { kind: 'stopSession', target };
}

/**
 * @param fileExists Whether a path is a file: after `--attach`, an argument
 *     that is an existing file is the script to run, not the target.
 */
export function parseArgs(argv: readonly string[], fileExists: (p: string) => boolean = isFile): ParseResult {
    // The session commands come first; a script of that name runs with `rbridge -- sessions`.
    if (argv[0] === 'sessions' || argv[0] === 'stop-session') return parseSessionCommand(argv[0], argv.slice(1));
    const options: CliOptions = {
        exprs: [],
        scriptArgs: [],
        trusted: false,
        echo: false,
        stopOnError: true,
        autoRestart: false,
        plotSize: [800, 600],
        session: false,
        job: { copyGlobals: false },
        json: false,
    };
    let sawExpr = false;
    /** `job` or `jobs`, once that word has been read where the script would go. */
    let command: 'job' | 'jobs' | undefined;
    /** The options given, by name, to tell the job commands which of them do not apply. */
    const given: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (command === undefined && options.file !== undefined) {
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
            given.push(arg);
            options.scriptArgs.push(...argv.slice(i + 1));
            break;
        }
        if (arg === '-h' || arg === '--help') return { kind: 'help' };
        if (arg === '--version') return { kind: 'version' };
        if (arg === '--attach' || arg.startsWith('--attach=')) {
            // The target is optional: `--attach=TARGET` always names one;
            // after `--attach` the next argument does unless it is an option
            // or the script to run.
            let target: string | undefined;
            if (arg !== '--attach') target = arg.slice('--attach='.length);
            else {
                const next = argv[i + 1];
                // `job` and `jobs` are the commands (a folder of that name is `--attach=job` or `./job`).
                const isCommand = command === undefined && options.file === undefined && !sawExpr && (next === 'job' || next === 'jobs');
                if (next !== undefined && !next.startsWith('-') && !isCommand && (SESSION_ID.test(next) || /^\d+$/.test(next) || !fileExists(next))) {
                    target = next;
                    i++;
                }
            }
            options.attach = { target: target || undefined };
            continue;
        }

        // A value option: `--r PATH`, `--r=PATH`, and for -e also `-eCODE`.
        const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
        const name = eq > 0 ? arg.slice(0, eq) : arg.startsWith('-e') && arg.length > 2 ? '-e' : arg;
        const target = VALUE_OPTIONS[name];
        if (target) given.push(name);
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
            } else if (target === 'idleTimeout') {
                const minutes = Number(value);
                if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(minutes)) {
                    return { kind: 'usageError', message: `option '--idle-timeout' needs a number of minutes (0: never); got '${value}'` };
                }
                options.idleTimeoutMinutes = minutes;
            } else if (target === 'jobName' || target === 'jobResult') {
                if (value === '') return { kind: 'usageError', message: `option '${name}' needs a non-empty value` };
                if (target === 'jobResult' && !R_NAME.test(value)) return { kind: 'usageError', message: `option '--result' needs a syntactic R name; got '${value}'` };
                options.job[target === 'jobName' ? 'name' : 'resultName'] = value;
            } else {
                if (value === '') return { kind: 'usageError', message: `option '${name}' needs a non-empty value` };
                options[target] = value;
            }
            continue;
        }

        given.push(arg);
        switch (arg) {
            case '--copy-globals':
                options.job.copyGlobals = true;
                continue;
            case '--json':
                options.json = true;
                continue;
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
            case '--session':
                options.session = true;
                continue;
        }
        if (arg.startsWith('-')) {
            return { kind: 'usageError', message: `unknown option '${arg}'` };
        }
        // The first word where the script would go may be a command; a script
        // of that name runs with `rbridge -- job`.
        if (command === undefined && options.file === undefined && !sawExpr && (arg === 'job' || arg === 'jobs')) {
            command = arg;
            continue;
        }
        if (command === 'jobs' || (command === 'job' && options.file !== undefined)) {
            return { kind: 'usageError', message: `unexpected argument '${arg}' for 'rbridge ${command}'` };
        }
        options.file = arg;
    }
    if (command !== undefined) {
        const misplaced = given.find((o) => NOT_FOR_JOBS.has(o) || (command === 'jobs' && JOB_ONLY.has(o)));
        if (misplaced) return { kind: 'usageError', message: `option '${misplaced}' does not apply to 'rbridge ${command}'` };
        if (command === 'job' && options.json) return { kind: 'usageError', message: "option '--json' does not apply to 'rbridge job'" };
        if (command === 'job' && options.file === undefined) return { kind: 'usageError', message: "'rbridge job' needs the R script to run: rbridge job FILE" };
        if (command === 'job' && options.job.resultName !== undefined && !options.attach && !options.session) {
            return {
                kind: 'usageError',
                message: "option '--result' needs --attach or --session: the result is assigned in the session, and a session rbridge starts itself ends with it",
            };
        }
        if (options.attach && options.session) return { kind: 'usageError', message: 'give either --attach or --session, not both' };
        if (options.idleTimeoutMinutes !== undefined && !options.session) {
            return { kind: 'usageError', message: "option '--idle-timeout' goes with --session (the session it starts)" };
        }
        // A session's jobs are what `jobs` lists: it attaches as --attach does, unless told otherwise.
        if (command === 'jobs' && !options.session) options.attach ??= {};
        return { kind: 'run', mode: command, options };
    }
    const jobOption = given.find((o) => JOB_ONLY.has(o));
    if (jobOption) return { kind: 'usageError', message: `option '${jobOption}' goes with 'rbridge job'` };
    if (options.json) return { kind: 'usageError', message: "option '--json' goes with 'rbridge jobs' or 'rbridge sessions'" };
    if (sawExpr && options.file !== undefined) {
        return { kind: 'usageError', message: `give either -e CODE or a script to run, not both (got -e and '${options.file}')` };
    }
    if (options.attach && options.session) {
        return { kind: 'usageError', message: 'give either --attach or --session, not both' };
    }
    if (options.idleTimeoutMinutes !== undefined && !options.session) {
        return { kind: 'usageError', message: "option '--idle-timeout' goes with --session (the session it starts)" };
    }
    const mode = sawExpr ? 'expr' : options.file !== undefined ? 'file' : 'repl';
    return { kind: 'run', mode, options };
}
