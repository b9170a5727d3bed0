// Bundles what ships: the server, the command-line client and (when present)
// the VS Code extension. Type checking is `tsc -b` (npm run typecheck).
import * as esbuild from 'esbuild';
import { existsSync, chmodSync, readdirSync } from 'fs';

const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
};

const builds = [
    esbuild.build({ ...common, entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' }),
    esbuild.build({
        ...common,
        entryPoints: ['cli/rbridge.ts'],
        outfile: 'dist/cli.js',
        banner: { js: '#!/usr/bin/env node' },
    }),
];
if (existsSync('client/src/extension.ts')) {
    builds.push(
        esbuild.build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
    );
}
// Tests are bundled one file each into out/, where mocha finds them.
if (process.argv.includes('--tests')) {
    const entryPoints = readdirSync('test', { recursive: true })
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `test/${f}`);
    if (entryPoints.length) {
        builds.push(esbuild.build({ ...common, entryPoints, outdir: 'out/test', outbase: 'test' }));
    }
}
await Promise.all(builds);
chmodSync('dist/cli.js', 0o755);
