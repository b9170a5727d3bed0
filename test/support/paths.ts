/**
 * Where things are, for every test tier, the benchmarks and the end-to-end
 * harness. Tests and benchmarks run bundled (out/test/…, out/stress/,
 * out/e2e/, out/bench/…), so "where this code is" is the bundle's folder;
 * the repository root is found by walking up from there.
 */
import * as fs from 'fs';
import * as path from 'path';

/**
 * The repository root: the nearest folder at or above `from` that holds a
 * package.json and is not named `out` (the bundles' folder, in case a tool
 * writes a package.json there). Throws when there is none.
 */
export function findRoot(from: string = __dirname): string {
    let dir = path.resolve(from);
    while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'out') {
        const parent = path.dirname(dir);
        if (parent === dir) throw new Error(`no package.json above ${from}`);
        dir = parent;
    }
    return dir;
}

/** The repository root (see findRoot). */
export const ROOT = findRoot();
/** The bundled language server. RBRIDGE_TEST_SERVER names another build for the wire client (wireClient.ts). */
export const SERVER = path.join(ROOT, 'dist', 'server.js');
/** The bundled command-line client. */
export const CLI = path.join(ROOT, 'dist', 'cli.js');
/** The kernel's R files. */
export const KERNEL_DIR = path.join(ROOT, 'kernel');
