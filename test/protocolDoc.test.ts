/**
 * Keeps docs/protocol.md from drifting away from the code.
 *
 * The facts are taken from the code itself: the exported method list, the
 * kernel vocabulary as server/src/kernel/wire.ts declares it (frame kinds
 * each way, exec flags, protocol version) and as kernel/wire.R mirrors it,
 * and the error codes. Adding a method, a frame kind or an error code
 * without documenting it fails here, and so does documenting one that no
 * longer exists. The test reads files only: it needs neither R nor a
 * running server.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ErrorCodes } from 'vscode-jsonrpc';
import * as protocol from '../common/protocol';
import { allMethods } from '../common/protocol';
import { ExecFlags, FROM_KERNEL_KINDS, KERNEL_PROTOCOL_VERSION, TO_KERNEL_KINDS } from '../server/src/kernel/wire';
import { ROOT } from './support/paths';

function read(relative: string): string {
    return fs.readFileSync(path.join(ROOT, relative), 'utf8');
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

const doc = read('docs/protocol.md');
const kernelWire = read('kernel/wire.R');

/** The server's sources, every .ts file under server/src, by path. */
function serverSources(dir = 'server/src', found = new Map<string, string>()): Map<string, string> {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const relative = path.join(dir, entry.name);
        if (entry.isDirectory()) serverSources(relative, found);
        else if (entry.name.endsWith('.ts')) found.set(relative, read(relative));
    }
    return found;
}
const serverTs = serverSources();

/** The strings of the R vector `NAME <- c("a", "b", ...)` in kernel/wire.R. */
function rVector(name: string): string[] {
    const m = new RegExp(`^${name} <- c\\(([^)]*)\\)`, 'm').exec(kernelWire);
    assert.ok(m, `${name} not found in kernel/wire.R`);
    return captures(m[1], /"([A-Za-z_]+)"/g);
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

    it('declares the same frame kinds on both sides of the kernel wire', () => {
        assert.deepStrictEqual(rVector('FROM_KERNEL_KINDS'), [...FROM_KERNEL_KINDS], 'kernel → server kinds differ between kernel/wire.R and wire.ts');
        assert.deepStrictEqual(rVector('TO_KERNEL_KINDS'), [...TO_KERNEL_KINDS], 'server → kernel kinds differ between kernel/wire.R and wire.ts');
        // The kernel writes only kinds it declares.
        for (const file of fs.readdirSync(path.join(ROOT, 'kernel')).filter((f) => f.endsWith('.R'))) {
            const written = captures(read(path.join('kernel', file)), /write_frame\(\s*"([A-Za-z_]+)"/g);
            const undeclared = written.filter((k) => !(FROM_KERNEL_KINDS as readonly string[]).includes(k));
            assert.deepStrictEqual(undeclared, [], `kernel/${file} writes undeclared frame kinds`);
        }
    });

    it('documents every frame kind the kernel sends, and no other', () => {
        const documented = documentedKinds('Frames from the kernel to the server');
        assert.deepStrictEqual([...documented].sort(), [...FROM_KERNEL_KINDS].sort(), 'the kernel → server section differs from FROM_KERNEL_KINDS');
    });

    it('documents every frame kind the server sends, and no other', () => {
        const documented = documentedKinds('Frames from the server to the kernel');
        assert.deepStrictEqual([...documented].sort(), [...TO_KERNEL_KINDS].sort(), 'the server → kernel section differs from TO_KERNEL_KINDS');
    });

    it('documents exactly the exec flag bits, the same in server and kernel', () => {
        // wire.ts declares the bits (ExecFlags), kernel/wire.R mirrors them
        // as FLAG_<NAME>; the table in the document's exec section has one
        // row per bit: | value | `FLAG_NAME` |.
        const declared = Object.entries(ExecFlags)
            .map(([name, bit]) => `${bit} FLAG_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`)
            .sort();
        const kernel = [...kernelWire.matchAll(/^(FLAG_[A-Z_]+) <- (\d+)L\s*$/gm)].map((m) => `${m[2]} ${m[1]}`).sort();
        assert.deepStrictEqual(kernel, declared, 'the FLAG_ constants of kernel/wire.R differ from ExecFlags in wire.ts');
        const documented = [...section(doc, '`exec`').matchAll(/^\|\s*(\d+)\s*\|\s*`(FLAG_[A-Z_]+)`\s*\|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
        assert.deepStrictEqual(documented, declared, 'the flag table of the exec section differs from ExecFlags');
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
            for (const c of captures(code, /^const [A-Z_]+ = (-32\d{3});/gm)) codes.add(Number(c));
            for (const name of captures(code, /ErrorCodes\.([A-Za-z]+)/g)) {
                const value = (ErrorCodes as unknown as Record<string, number>)[name];
                assert.strictEqual(typeof value, 'number', `ErrorCodes.${name} is not a JSON-RPC error code`);
                codes.add(value);
            }
        }
        for (const known of [-32002, -32602, -32800, -32802]) assert.ok(codes.has(known), `error code ${known} not found in the code`);
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
