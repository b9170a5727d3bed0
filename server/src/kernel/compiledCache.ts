/**
 * Where R keeps the kernel's compiled functions between sessions.
 *
 * R's just-in-time compiler compiles each kernel function on its first or
 * second use, so the user's first two executions after a start waited about
 * 200 ms for it. The kernel saves its functions once they are all compiled
 * (compile_round() in kernel/repl.R, while R is idle), with the kernel's
 * files parsed, and a later start of the same kernel with the same R loads
 * them instead of reading, parsing and compiling the files (read_compiled()
 * and load_rest() in kernel/main.R).
 *
 * The file holds code that R runs, so only the server names it, on the
 * private channel (never an environment variable, which a workspace's
 * .Renviron could set): in the user's own cache folder, which must belong to
 * the user and be closed to others. Its name carries a hash of the kernel's
 * files, so that another version of the kernel never loads it; the kernel
 * checks the R version inside.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const FILE_PATTERN = /^kernel-[0-9a-f]{16}\.rds$/;
/** Files of other kernel versions are removed once this old. */
const STALE_MS = 30 * 24 * 3600 * 1000;

const known = new Map<string, string | undefined>();

/** The cache file for the kernel in `kernelDir`, or undefined when there can be none (no private cache folder). */
export function compiledCacheFile(kernelDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    const key = `${kernelDir}\0${env.XDG_CACHE_HOME ?? ''}`;
    if (known.has(key)) return known.get(key);
    let file: string | undefined;
    try {
        const dir = privateFolder(cacheRoot(env));
        if (dir) {
            file = path.join(dir, `kernel-${kernelHash(kernelDir)}.rds`);
            removeStale(dir, path.basename(file));
        }
    } catch {
        file = undefined;
    }
    known.set(key, file);
    return file;
}

function cacheRoot(env: NodeJS.ProcessEnv): string {
    const xdg = env.XDG_CACHE_HOME;
    return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'rbridge');
}

/** The folder, made if missing; undefined unless it is a real folder of this user that no one else can enter. */
function privateFolder(dir: string): string | undefined {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory()) return undefined;
    if (process.getuid && stat.uid !== process.getuid()) return undefined;
    if (stat.mode & 0o077) fs.chmodSync(dir, 0o700);
    return dir;
}

/** 16 hex digits of a SHA-256 over the kernel's R files (names and contents). */
function kernelHash(kernelDir: string): string {
    const hash = crypto.createHash('sha256');
    for (const name of fs.readdirSync(kernelDir).filter((f) => f.endsWith('.R')).sort()) {
        hash.update(name).update('\0').update(fs.readFileSync(path.join(kernelDir, name))).update('\0');
    }
    return hash.digest('hex').slice(0, 16);
}

function removeStale(dir: string, current: string): void {
    const now = Date.now();
    for (const name of fs.readdirSync(dir)) {
        if (name === current || !FILE_PATTERN.test(name)) continue;
        const file = path.join(dir, name);
        try {
            if (now - fs.lstatSync(file).mtimeMs > STALE_MS) fs.rmSync(file, { force: true });
        } catch {
            // Removed meanwhile by another server.
        }
    }
}
