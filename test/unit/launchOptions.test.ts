import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import {
    DEFAULT_SETTINGS,
    initializationOptions,
    isRNotFound,
    mayStartAutomatically,
    resolveRPath,
    sameLaunch,
    workingDirectory,
} from '../../client/src/launchOptions';

describe('launch options (settings and trust to initializationOptions)', () => {
    const workspace = path.join(os.tmpdir(), 'analysis');

    it('defaults: R on the PATH, the workspace folder, trust passed through', () => {
        const trusted = initializationOptions(DEFAULT_SETTINGS, { trusted: true, workspaceFolder: workspace });
        assert.deepStrictEqual(trusted, { rPath: 'R', rArgs: [], cwd: workspace, autoRestart: true, helpViewer: true, workspaceTrusted: true });
        const untrusted = initializationOptions(DEFAULT_SETTINGS, { trusted: false, workspaceFolder: workspace });
        assert.strictEqual(untrusted.workspaceTrusted, false);
    });

    it('an untrusted workspace never starts R by itself', () => {
        assert.strictEqual(mayStartAutomatically(true), true);
        assert.strictEqual(mayStartAutomatically(false), false);
    });

    it('the working directory: setting, variables, relative paths, fallback', () => {
        const context = { trusted: true, workspaceFolder: workspace };
        assert.strictEqual(workingDirectory('', context), workspace);
        assert.strictEqual(workingDirectory('data', context), path.join(workspace, 'data'));
        assert.strictEqual(workingDirectory('${workspaceFolder}/out', context), path.join(workspace, 'out'));
        assert.strictEqual(workingDirectory('~/proj', context), path.join(os.homedir(), 'proj'));
        assert.strictEqual(workingDirectory('/abs/dir/', context), path.normalize('/abs/dir/'));
        assert.strictEqual(workingDirectory('', { trusted: true, workspaceFolder: undefined, fallbackDirectory: '/home/x' }), '/home/x');
    });

    it('the R path: empty means R, ~ is expanded, names are left for the PATH', () => {
        assert.strictEqual(resolveRPath(''), 'R');
        assert.strictEqual(resolveRPath('  '), 'R');
        assert.strictEqual(resolveRPath('Rscript-4.4'), 'Rscript-4.4');
        assert.strictEqual(resolveRPath('~/R/bin/R'), path.join(os.homedir(), 'R/bin/R'));
    });

    it('env is sent only when set', () => {
        const options = initializationOptions({ ...DEFAULT_SETTINGS, env: { A: '1' }, rArgs: ['--no-restore'] }, { trusted: true, workspaceFolder: workspace });
        assert.deepStrictEqual(options.env, { A: '1' });
        assert.deepStrictEqual(options.rArgs, ['--no-restore']);
    });

    it('tells launches apart', () => {
        const a = initializationOptions(DEFAULT_SETTINGS, { trusted: true, workspaceFolder: workspace });
        assert.ok(sameLaunch(a, { ...a }));
        assert.ok(!sameLaunch(a, { ...a, rPath: '/opt/R/bin/R' }));
        assert.ok(!sameLaunch(a, { ...a, workspaceTrusted: false }));
        assert.ok(sameLaunch({ ...a, env: { A: '1', B: '2' } }, { ...a, env: { B: '2', A: '1' } }));
    });

    it('recognises the server reason for a missing R', () => {
        assert.ok(isRNotFound("R was not found (tried '/nope/R'). Install R (https://cloud.r-project.org), or set the R path"));
        assert.ok(!isRNotFound('R exited with code 1'));
        assert.ok(!isRNotFound(undefined));
    });
});
