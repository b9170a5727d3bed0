/**
 * Keeps docs/protocol.md from drifting away from the code.
 *
 * The facts are taken from the code itself (the exported method list, the
 * frame kinds the kernel writes and reads, the frame kinds the server sends
 * and handles, the error codes, the exec flags, the protocol version), so
 * that adding a method, a frame kind or an error code without documenting it
 * fails here, and so does documenting one that no longer exists. The test
 * reads files only: it needs neither R nor a running server.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ErrorCodes } from 'vscode-jsonrpc';
import * as protocol from '../common/protocol';
import { allMethods } from '../common/protocol';
import { KERNEL_PROTOCOL_VERSION } from '../server/src/kernel/wire';

/** The repository root: the nearest folder above this file with a package.json, other than out/ (tests run bundled from out/test/). */
const ROOT = (() => {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'out') {
        const parent = path.dirname(dir);
        if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
        dir = parent;
    }
    return dir;
})();

function read(relative: string): string {
    return fs.readFileSync(path.join(ROOT, relative), 'utf8');
}

/** The contents of every file in `dir` whose name ends with `ext`, by file name. */
function sources(dir: string, ext: string): Map<string, string> {
    const files = new Map<string, string>();
    for (const name of fs.readdirSync(path.join(ROOT, dir)).sort()) {
        if (name.endsWith(ext)) files.set(name, read(path.join(dir, name)));
    }
    return files;
}

/** Every first capture group of `pattern` (which must be global) in `text`. */
function captures(text: string, pattern: RegExp): string[] {
    return [...text.matchAll(pattern)].map((m) => m[1]);
}

/** Heading lines of a Markdown text as [line index, level, text]; lines inside ``` fences are not headings. */
function headings(markdown: string): [number, number, string][] {
    const found: [number, number, string][] = [];
    let fenced = false;
    markdown.split('\n').forEach((line, i) => {
        if (line.trimStart().startsWith('```')) fenced = !fenced;
        const m = fenced ? null : /^(#+) (.*)$/.exec(line);
        if (m) found.push([i, m[1].length, m[2]]);
    });
    return found;
}

/**
 * The part of the document under the heading whose text is `title` (exactly),
 * up to the next heading of the same or a higher level.
 */
function section(markdown: string, title: string): string {
    const all = headings(markdown);
    const at = all.findIndex(([, , text]) => text === title);
    assert.ok(at >= 0, `docs/protocol.md has no heading '${title}'`);
    const [start, level] = all[at];
    const next = all.slice(at + 1).find(([, l]) => l <= level);
    return markdown.split('\n').slice(start, next ? next[0] : undefined).join('\n');
}

/**
 * The arguments of the first call `opening(...` in R code, split at top-level
 * commas. Strings and comments are skipped so that brackets inside them do
 * not count.
 */
function rCallArguments(code: string, opening: string): string[] {
    const at = code.indexOf(opening);
    assert.ok(at >= 0, `'${opening}' not found`);
    const args: string[] = [];
    let depth = 0;
    let current = '';
    for (let i = at + opening.length; i < code.length; i++) {
        const c = code[i];
        if (c === '"' || c === "'") {
            let j = i + 1;
            while (j < code.length && code[j] !== c) j += code[j] === '\\' ? 2 : 1;
            current += code.slice(i, j + 1);
            i = j;
            continue;
        }
        if (c === '#') {
            const newline = code.indexOf('\n', i);
            const stop = newline < 0 ? code.length : newline;
            current += code.slice(i, stop);
            i = stop - 1;
            continue;
        }
        if (c === '(' || c === '[' || c === '{') depth++;
        if (c === ')' || c === ']' || c === '}') {
            if (depth === 0) {
                args.push(current);
                return args;
            }
            depth--;
        }
        if (c === ',' && depth === 0) {
            args.push(current);
            current = '';
        } else {
            current += c;
        }
    }
    throw new Error(`'${opening}' is not closed`);
}

/** The text between `switch (<subject>) {` and its closing brace, in TypeScript. */
function tsSwitchBody(code: string, subject: string): string {
    const at = code.indexOf(`switch (${subject}) {`);
    if (at < 0) return '';
    let depth = 0;
    for (let i = code.indexOf('{', at); i < code.length; i++) {
        if (code[i] === '{') depth++;
        if (code[i] === '}' && --depth === 0) return code.slice(at, i + 1);
    }
    throw new Error(`switch (${subject}) is not closed`);
}

const doc = read('docs/protocol.md');
const kernelR = sources('kernel', '.R');
const serverTs = sources('server/src', '.ts');

/** Frame kinds that travel from the kernel to the server. */
function kernelToServerKinds(): Set<string> {
    const kinds = new Set<string>();
    // What the kernel writes: every frame goes through write_frame("kind", ...).
    for (const code of kernelR.values()) for (const k of captures(code, /write_frame\(\s*"([A-Za-z_]+)"/g)) kinds.add(k);
    // What the server handles: the cases of its switch over frame.kind, and
    // direct comparisons such as frame.kind === 'hello'.
    for (const code of serverTs.values()) {
        for (const k of captures(tsSwitchBody(code, 'frame.kind'), /case '([A-Za-z_]+)'/g)) kinds.add(k);
        for (const k of captures(code, /frame\.kind\s*[!=]==\s*'([A-Za-z_]+)'/g)) kinds.add(k);
    }
    return kinds;
}

/** Frame kinds that travel from the server to the kernel. */
function serverToKernelKinds(): Set<string> {
    const kinds = new Set<string>();
    // What the server sends: every frame goes through KernelProcess.send('kind', ...).
    for (const code of serverTs.values()) for (const k of captures(code, /\.send\(\s*'([A-Za-z_]+)'/g)) kinds.add(k);
    // What the kernel accepts: the named branches of the switch in handle()
    // (kernel/main.R), and direct comparisons such as frame$kind == "reply"
    // (kernel/input.R, while it waits for console input).
    const main = kernelR.get('main.R');
    assert.ok(main, 'kernel/main.R not found');
    const handle = main.slice(main.indexOf('handle <- function(frame)'));
    for (const arg of rCallArguments(handle, 'switch(frame$kind,')) {
        const m = /^\s*(?:#[^\n]*\n\s*)*([A-Za-z_.][A-Za-z0-9_.]*)\s*=(?!=)/.exec(arg);
        if (m) kinds.add(m[1]);
    }
    for (const code of kernelR.values()) for (const k of captures(code, /frame\$kind\s*==\s*"([A-Za-z_]+)"/g)) kinds.add(k);
    return kinds;
}

/** The frame kinds documented with a `#### \`kind\`` heading in one section of the document. */
function documentedKinds(title: string): Set<string> {
    return new Set(captures(section(doc, title), /^#### `([A-Za-z_]+)`/gm));
}

describe('docs/protocol.md', () => {
    it('documents every client ↔ server method in allMethods, each under its own heading', () => {
        assert.ok(allMethods.length > 0, 'allMethods is empty');
        const titles = headings(doc).map(([, , text]) => text);
        const missing = allMethods.filter((m) => !titles.some((t) => t.includes(`\`${m}\``)));
        assert.deepStrictEqual(missing, [], `methods without a heading in docs/protocol.md: ${missing.join(', ')}`);
    });

    it('names no r/ method that the protocol does not have', () => {
        // A method removed or renamed in common/protocol.ts must leave the document too.
        const named = new Set(captures(doc, /`(r\/[A-Za-z]+)`/g));
        const unknown = [...named].filter((m) => !allMethods.includes(m));
        assert.deepStrictEqual(unknown, [], `docs/protocol.md names methods that do not exist: ${unknown.join(', ')}`);
    });

    it('documents every frame kind the kernel sends or the server handles', () => {
        const kinds = kernelToServerKinds();
        // If these are not found, the extraction above no longer matches the code.
        for (const known of ['hello', 'ready', 'done', 'log']) assert.ok(kinds.has(known), `frame kind '${known}' not found in the code`);
        const documented = documentedKinds('Frames from the kernel to the server');
        const missing = [...kinds].filter((k) => !documented.has(k)).sort();
        assert.deepStrictEqual(missing, [], `kernel → server frame kinds not documented: ${missing.join(', ')}`);
        const stale = [...documented].filter((k) => !kinds.has(k)).sort();
        assert.deepStrictEqual(stale, [], `documented kernel → server frame kinds that the code does not have: ${stale.join(', ')}`);
    });

    it('documents every frame kind the server sends or the kernel accepts', () => {
        const kinds = serverToKernelKinds();
        for (const known of ['exec', 'reply', 'cancel', 'shutdown']) assert.ok(kinds.has(known), `frame kind '${known}' not found in the code`);
        const documented = documentedKinds('Frames from the server to the kernel');
        const missing = [...kinds].filter((k) => !documented.has(k)).sort();
        assert.deepStrictEqual(missing, [], `server → kernel frame kinds not documented: ${missing.join(', ')}`);
        const stale = [...documented].filter((k) => !kinds.has(k)).sort();
        assert.deepStrictEqual(stale, [], `documented server → kernel frame kinds that the code does not have: ${stale.join(', ')}`);
    });

    it('documents exactly the exec flag bits the kernel defines', () => {
        // The kernel defines the bits (FLAG_... in kernel/exec.R); the table
        // in the document's exec section has one row per bit: | value | `NAME` |.
        const defined = [...read('kernel/exec.R').matchAll(/^(FLAG_[A-Z_]+) <- (\d+)L\s*$/gm)].map((m) => `${m[2]} ${m[1]}`).sort();
        assert.ok(defined.length > 0, 'no FLAG_ constants found in kernel/exec.R');
        const documented = [...section(doc, '`exec`').matchAll(/^\|\s*(\d+)\s*\|\s*`(FLAG_[A-Z_]+)`\s*\|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
        assert.deepStrictEqual(documented, defined, 'the flag table of the exec section differs from kernel/exec.R');
    });

    it('documents exactly the error codes the server answers with', () => {
        // The codes come from three places: literals in `new SessionError(...)`
        // and `new ResponseError(...)` (server.ts, session.ts), the named
        // JSON-RPC codes the server uses (ErrorCodes.InvalidParams, ...), and
        // the codes common/protocol.ts exports for clients.
        const codes = new Set<number>(
            Object.entries(protocol)
                .filter(([name, value]) => name.endsWith('Error') && typeof value === 'number')
                .map(([, value]) => value as number),
        );
        for (const code of serverTs.values()) {
            for (const c of captures(code, /new (?:SessionError|ResponseError)\((-\d+)/g)) codes.add(Number(c));
            for (const name of captures(code, /ErrorCodes\.([A-Za-z]+)/g)) {
                const value = (ErrorCodes as unknown as Record<string, number>)[name];
                assert.strictEqual(typeof value, 'number', `ErrorCodes.${name} is not a JSON-RPC error code`);
                codes.add(value);
            }
        }
        for (const known of [-32002, -32602, -32801, -32802]) assert.ok(codes.has(known), `error code ${known} not found in the code`);
        const documented = new Set(captures(section(doc, 'Error codes'), /^\|\s*(-\d+)\s*\|/gm).map(Number));
        const missing = [...codes].filter((c) => !documented.has(c)).sort();
        assert.deepStrictEqual(missing, [], `error codes missing from the 'Error codes' table: ${missing.join(', ')}`);
        const stale = [...documented].filter((c) => !codes.has(c)).sort();
        assert.deepStrictEqual(stale, [], `error codes in the 'Error codes' table that the server does not use: ${stale.join(', ')}`);
    });

    it('states the kernel protocol version, the same in server and kernel', () => {
        const wire = /^PROTOCOL_VERSION <- (\d+)L?\s*$/m.exec(read('kernel/wire.R'));
        assert.ok(wire, 'PROTOCOL_VERSION not found in kernel/wire.R');
        const kernelVersion = Number(wire[1]);
        assert.strictEqual(kernelVersion, KERNEL_PROTOCOL_VERSION, 'kernel/wire.R and server/src/kernel/wire.ts disagree on the protocol version');
        const stated = /The kernel protocol version is \*\*(\d+)\*\*/.exec(section(doc, 'Versioning'));
        assert.ok(stated, "the Versioning section does not say 'The kernel protocol version is **N**'");
        assert.strictEqual(Number(stated[1]), KERNEL_PROTOCOL_VERSION, 'the Versioning section states another version');
        // The hello example must show the same number.
        assert.ok(section(doc, '`hello`').includes(`"protocol":${KERNEL_PROTOCOL_VERSION},`), 'the hello example shows another protocol version');
    });
});
