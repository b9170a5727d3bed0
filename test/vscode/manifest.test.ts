import * as assert from 'assert';
import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../client/src/commands';
import { R_KEY_COMMAND_IDS } from '../../client/src/rKeys';
import { EXTENSION_ID, readyR, rbridge } from './helpers';

interface Manifest {
    main: string;
    activationEvents: string[];
    capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
    contributes: {
        commands: { command: string; title: string; category: string }[];
        keybindings: { command: string; key: string; mac?: string; when?: string; args?: { text?: string } }[];
        configuration: { properties: Record<string, { scope?: string; default?: unknown; description?: string; markdownDescription?: string }> };
        viewsContainers: { activitybar: { id: string }[] };
        views: Record<string, { id: string }[]>;
        languages: { id: string; aliases?: string[] }[];
        grammars: { language?: string; scopeName: string; path: string; embeddedLanguages?: Record<string, string> }[];
    };
}

suite('Extension and manifest', () => {
    const manifest = () => vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as Manifest;

    test('starts R by itself in a trusted workspace only', async () => {
        const r = await rbridge();
        console.log(`    (the workspace is ${vscode.workspace.isTrusted ? 'trusted' : 'not trusted'})`);
        if (vscode.workspace.isTrusted) {
            assert.notStrictEqual(r.state().kind, 'stopped', 'activation starts R');
            assert.strictEqual(r.testing.mayStartAutomatically(), true);
        } else {
            // The harness's --trust run: the workspace has not been trusted.
            assert.strictEqual(r.state().kind, 'stopped', 'R must not start in an untrusted workspace');
            assert.strictEqual(r.testing.mayStartAutomatically(), false);
            assert.strictEqual(r.nextInitializationOptions().workspaceTrusted, false);
            assert.match(r.status().view.tooltip, /not trusted/);
        }
    });

    test('activates, starts R and shows it in the status bar', async () => {
        const r = await readyR();
        assert.ok(['idle', 'busy'].includes(r.state().kind), r.state().kind);
        assert.match(r.status().view.text, /R: (idle|busy)/);
    });

    test('every command in the manifest is registered, and every registered one is in the manifest', async () => {
        await rbridge();
        const registered = new Set((await vscode.commands.getCommands(true)).filter((c) => c.startsWith('rbridge.')));
        const declared = manifest().contributes.commands.map((c) => c.command);
        assert.deepStrictEqual([...declared].sort(), [...COMMAND_IDS, ...R_KEY_COMMAND_IDS].sort());
        for (const id of declared) assert.ok(registered.has(id), `${id} is not registered`);
        for (const c of manifest().contributes.commands) assert.strictEqual(c.category, 'R', `${c.command} has no R category`);
    });

    test('keybindings where R users expect them', () => {
        // The first binding of each command (Run File also has RStudio's Ctrl+Shift+Enter, below).
        const keys = new Map([...manifest().contributes.keybindings].reverse().map((k) => [k.command, k]));
        assert.strictEqual(keys.get('rbridge.runSelection')?.key, 'ctrl+enter');
        assert.strictEqual(keys.get('rbridge.runSelection')?.mac, 'cmd+enter');
        assert.match(keys.get('rbridge.runSelection')?.when ?? '', /editorLangId == r/);
        assert.strictEqual(keys.get('rbridge.runFile')?.key, 'ctrl+shift+s');
        assert.ok(keys.get('rbridge.restart'));
        assert.ok(keys.get('rbridge.interrupt'));
    });

    test("RStudio's keys, only where R code is typed: Ctrl+Shift+Enter, Alt+- and Ctrl+Shift+M", () => {
        const bindings = manifest().contributes.keybindings;
        const find = (key: string, command: string) => bindings.filter((k) => k.key === key && k.command === command);
        const rEditor = /^editorTextFocus && editorLangId == r\b/;
        const [runFile] = find('ctrl+shift+enter', 'rbridge.runFile');
        assert.match(runFile?.when ?? '', rEditor);
        assert.strictEqual(runFile.mac, 'cmd+shift+enter');
        // Typed by the workbench, in an R editor and in the R console (no other terminal).
        const typed = (key: string) => bindings.filter((k) => k.key === key && k.command !== 'rbridge.runFile').map((k) => [k.command, k.args?.text, k.when]);
        assert.deepStrictEqual(typed('alt+-'), [
            ['type', ' <- ', 'editorTextFocus && editorLangId == r && !editorReadonly'],
            ['workbench.action.terminal.sendSequence', ' <- ', 'terminalFocus && rbridge.consoleActive'],
        ]);
        assert.deepStrictEqual(typed('ctrl+shift+m'), [
            ['type', ' |> ', "editorTextFocus && editorLangId == r && !editorReadonly && config.rbridge.pipe != '%>%'"],
            ['type', ' %>% ', "editorTextFocus && editorLangId == r && !editorReadonly && config.rbridge.pipe == '%>%'"],
            ['workbench.action.terminal.sendSequence', ' |> ', "terminalFocus && rbridge.consoleActive && config.rbridge.pipe != '%>%'"],
            ['workbench.action.terminal.sendSequence', ' %>% ', "terminalFocus && rbridge.consoleActive && config.rbridge.pipe == '%>%'"],
        ]);
        for (const k of bindings.filter((b) => b.key === 'ctrl+shift+m')) assert.strictEqual(k.mac, 'cmd+shift+m');
    });

    test('settings: rPath is machine-scoped, and the launch settings are restricted in untrusted workspaces', () => {
        const m = manifest();
        const properties = m.contributes.configuration.properties;
        for (const name of ['rPath', 'rArgs', 'workingDirectory', 'env', 'autoRestart', 'echoCode', 'stopOnError', 'pipe']) {
            assert.ok(properties[`rbridge.${name}`], `rbridge.${name} is not declared`);
        }
        for (const [key, property] of Object.entries(properties)) {
            assert.ok((property.markdownDescription ?? property.description ?? '').length > 20, `${key} has no description`);
        }
        assert.strictEqual(properties['rbridge.pipe'].default, '|>');
        assert.strictEqual(properties['rbridge.rPath'].scope, 'machine');
        assert.strictEqual(m.capabilities.untrustedWorkspaces.supported, 'limited');
        for (const name of ['rbridge.rPath', 'rbridge.rArgs', 'rbridge.env']) {
            assert.ok(m.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(name), `${name} is not restricted`);
        }
        assert.ok(m.activationEvents.includes('onLanguage:r'));
        assert.strictEqual(m.main, './dist/extension.js');
        assert.ok(m.contributes.viewsContainers.activitybar.some((c) => c.id === 'rbridge'));
        assert.ok(m.contributes.views.rbridge.some((v) => v.id === 'rbridge.variables'));
    });

    test('the console transcript language and its grammar, with echoed code as R', async () => {
        const m = manifest();
        const language = m.contributes.languages.find((l) => l.id === 'r-console');
        assert.ok(language, 'the r-console language is declared');
        assert.strictEqual(language.aliases?.[0], 'R Console Output');
        const grammar = m.contributes.grammars.find((g) => g.language === 'r-console');
        assert.ok(grammar, 'the r-console grammar is declared');
        assert.strictEqual(grammar.scopeName, 'text.r-console');
        assert.deepStrictEqual(grammar.embeddedLanguages, { 'meta.embedded.line.r': 'r' });
        const file = vscode.Uri.joinPath(vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri, grammar.path);
        assert.ok((await vscode.workspace.fs.stat(file)).size > 0, `${grammar.path} is empty`);
    });
});
