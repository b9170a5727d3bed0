// Bundles what ships: the server, the command-line client and (when present)
// the VS Code extension. Type checking is `tsc -b` (npm run typecheck).
import * as esbuild from 'esbuild';
import { existsSync, chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync } from 'fs';

const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
};

const builds = [
    // The entry point starts R before the rest of the server is read (server/src/early.ts).
    esbuild.build({ ...common, entryPoints: ['server/src/early.ts'], outfile: 'dist/server.js', external: ['./server-main.js'] }),
    esbuild.build({ ...common, entryPoints: ['server/src/server.ts'], outfile: 'dist/server-main.js' }),
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
// The webviews' own pages run in the webview, a browser: one bundle per page
// from client/webview/<folder>/ into media/<folder>/ (the only folder the
// panels may load from, and part of the VSIX), beside the page's
// hand-written style sheet, with the codicons font and its style sheet in
// media/codicons/. These generated files are not in git.
const webviews = [
    // The Plots view and a zoomed plot.
    { folder: 'plots', pages: ['plotsView', 'zoom'] },
    // The data viewer.
    { folder: 'dataView', pages: ['dataView'] },
    // The Help panel.
    { folder: 'help', pages: ['help'] },
];
let codicons = false;
for (const { folder, pages } of webviews) {
    if (!existsSync(`client/webview/${folder}`)) continue;
    builds.push(
        esbuild.build({
            bundle: true,
            platform: 'browser',
            target: 'es2022',
            format: 'iife',
            logLevel: 'warning',
            entryPoints: pages.map((page) => `client/webview/${folder}/${page}.ts`),
            outdir: `media/${folder}`,
        }),
    );
    codicons = true;
}
if (codicons) {
    mkdirSync('media/codicons', { recursive: true });
    for (const file of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${file}`, `media/codicons/${file}`);
}
// Tests are bundled one file each into out/, where mocha finds them. Those
// in test/vscode/ need VS Code's extension host: the suite below runs them.
// The tiers are folders (test/unit/, test/kernel/, test/server/, ...; see
// the README's Development section), and the default mocha spec
// (out/test/**/*.test.js) runs them all.
if (process.argv.includes('--tests')) {
    const entryPoints = readdirSync('test', { recursive: true })
        .filter((f) => f.endsWith('.test.ts') && !f.startsWith('vscode/') && !f.startsWith('vscode\\'))
        .map((f) => `test/${f}`);
    // A bundle whose test was moved or deleted would go on running from
    // out/test: remove every bundle that no current test produces.
    if (existsSync('out/test')) {
        const wanted = new Set(entryPoints.map((f) => f.slice('test/'.length).replace(/\.ts$/, '.js').split('\\').join('/')));
        for (const f of readdirSync('out/test', { recursive: true })) {
            const file = f.split('\\').join('/');
            if (/\.test\.js(\.map)?$/.test(file) && !wanted.has(file.replace(/\.map$/, ''))) rmSync(`out/test/${file}`, { force: true });
        }
    }
    if (entryPoints.length) {
        builds.push(esbuild.build({ ...common, entryPoints, outdir: 'out/test', outbase: 'test' }));
    }
    // The end-to-end harness and its command-line entries (test/e2e/README.md).
    // playwright-core stays outside the bundle: it loads files of its own at
    // run time and is found in node_modules from out/e2e.
    builds.push(
        esbuild.build({
            ...common,
            entryPoints: ['runVSCodeTests', 'runElectron', 'browser.e2e', 'vsix.e2e'].map((f) => `test/e2e/${f}.ts`),
            outdir: 'out/e2e',
            outbase: 'test/e2e',
            external: ['playwright-core', '@vscode/test-electron', 'mocha'],
        }),
        // The probe runs inside the extension host beside R Bridge.
        esbuild.build({ ...common, entryPoints: ['test/e2e/probe/extension.ts'], outfile: 'out/e2e/probe/extension.js', external: ['vscode'] }),
    );
    // The extension-host suite, loaded by VS Code through extensionTestsPath.
    // mocha stays outside the bundle (it loads its reporters by name) and is
    // found in the repository's node_modules, as the suite always runs from
    // a checkout.
    if (existsSync('test/vscode/index.ts')) {
        builds.push(
            esbuild.build({
                ...common,
                entryPoints: ['test/vscode/index.ts'],
                outfile: 'out/vscode-tests/index.js',
                external: ['vscode', 'mocha'],
            }),
        );
    }
}
// The stress suite (npm run test:stress): test/stress/*.stress.ts, one
// bundle each into out/stress/, where the default mocha spec
// (out/test/**/*.test.js) does not look. The folder is emptied first so that
// a renamed or deleted stress file does not keep running from an old bundle.
if (process.argv.includes('--stress')) {
    rmSync('out/stress', { recursive: true, force: true });
    const entryPoints = readdirSync('test/stress')
        .filter((f) => f.endsWith('.stress.ts'))
        .map((f) => `test/stress/${f}`);
    builds.push(esbuild.build({ ...common, entryPoints, outdir: 'out/stress', outbase: 'test/stress' }));
}
await Promise.all(builds);
chmodSync('dist/cli.js', 0o755);
