/**
 * What the harness loads into VS Code: the extension under test (the
 * repository in development mode, or another folder), its manifest and
 * identifier, and where its extension-host test suite is bundled. A VSIX is
 * installed by CodeServer (codeServer.ts) from the path a test gives.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../support/paths';

/** Where the extension-host test suite is bundled (test/vscode/index.ts). */
export const SUITE_ENTRY = path.join(ROOT, 'out', 'vscode-tests', 'index.js');

/**
 * The extension under test in development mode: the repository, unless
 * RBRIDGE_E2E_EXTENSION names another folder (the harness's own tests use a
 * stand-in extension that way).
 */
export function extensionRoot(): string {
    return path.resolve(process.env.RBRIDGE_E2E_EXTENSION ?? ROOT);
}

/** The extension's identifier, `publisher.name` from the manifest. */
export function extensionId(): string {
    const manifest = readManifest();
    return `${manifest.publisher}.${manifest.name}`;
}

export interface Manifest {
    name: string;
    displayName?: string;
    publisher: string;
    version: string;
    contributes?: {
        commands?: { command: string; title: string; category?: string }[];
        keybindings?: { command: string; key: string; when?: string }[];
        viewsContainers?: Record<string, { id: string; title: string }[]>;
        views?: Record<string, { id: string; name: string }[]>;
    };
}

export function readManifest(folder = extensionRoot()): Manifest {
    return JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as Manifest;
}
