import * as assert from 'assert';
import { OutputStream, StreamEvent, StreamMerger, StreamName } from '../../server/src/kernel/outputStream';

const TOKEN = '0123456789abcdef';
const mark = (id: string) => `\x1eRBM${TOKEN}:${id}\x1e`;

describe('R output streams: markers and merging', () => {
    it('splits text, end-of-output markers and sync markers, also when split across chunks', () => {
        const input = Buffer.from(`a${mark('s1')}b${mark('7')}c`);
        for (let cut = 0; cut <= input.length; cut++) {
            const stream = new OutputStream(TOKEN);
            const events = [...stream.push(input.subarray(0, cut)), ...stream.push(input.subarray(cut)), ...stream.end()];
            const merged: StreamEvent[] = [];
            for (const e of events) {
                const last = merged[merged.length - 1];
                if (e.kind === 'text' && last?.kind === 'text') last.text += e.text;
                else merged.push({ ...e });
            }
            assert.deepStrictEqual(merged, [{ kind: 'text', text: 'a' }, { kind: 'sync', n: 1 }, { kind: 'text', text: 'b' }, { kind: 'marker', id: '7' }, { kind: 'text', text: 'c' }], `cut at ${cut}`);
        }
    });

    it('keeps text that only looks like a marker', () => {
        const stream = new OutputStream(TOKEN);
        assert.deepStrictEqual(stream.push(Buffer.from(`x\x1eRBM${TOKEN}:sx\x1ey`)), [{ kind: 'text', text: `x\x1eRBM${TOKEN}:sx\x1ey` }]);
    });

    function merge(pushes: [StreamName, StreamEvent[]][]): string[] {
        const out: string[] = [];
        const merger = new StreamMerger((stream, e) => out.push(`${stream}:${e.kind === 'text' ? e.text : e.kind === 'marker' ? `#${e.id}` : e.kind === 'sync' ? `s${e.n}` : e.kind}`));
        for (const [stream, events] of pushes) merger.push(stream, events);
        merger.flush();
        return out;
    }
    const t = (text: string): StreamEvent => ({ kind: 'text', text });
    const s = (n: number): StreamEvent => ({ kind: 'sync', n });

    it('holds what follows a sync on one stream until the other stream reaches it', () => {
        // R wrote: out "1", [s1], err "E", [s2], out "2". The server read all of stdout first.
        assert.deepStrictEqual(
            merge([
                ['stdout', [t('1'), s(1), s(2), t('2')]],
                ['stderr', [s(1), t('E'), s(2)]],
            ]),
            ['stdout:1', 'stderr:E', 'stdout:2'],
        );
        // And all of stderr first.
        assert.deepStrictEqual(
            merge([
                ['stderr', [s(1), t('E'), s(2)]],
                ['stdout', [t('1'), s(1), s(2), t('2')]],
            ]),
            ['stdout:1', 'stderr:E', 'stdout:2'],
        );
    });

    it('merges many alternations read in any chunking, and passes on what is held when the kernel is gone', () => {
        const outEvents: StreamEvent[] = [];
        const errEvents: StreamEvent[] = [];
        const expected: string[] = [];
        for (let i = 1; i <= 50; i++) {
            outEvents.push(t(`o${i}`), s(2 * i - 1), s(2 * i));
            errEvents.push(s(2 * i - 1), t(`e${i}`), s(2 * i));
            expected.push(`stdout:o${i}`, `stderr:e${i}`);
        }
        for (const size of [1, 2, 3, 7, 1000]) {
            const pushes: [StreamName, StreamEvent[]][] = [];
            for (let at = 0; at < Math.max(outEvents.length, errEvents.length); at += size) {
                pushes.push(['stderr', errEvents.slice(at, at + size)], ['stdout', outEvents.slice(at, at + size)]);
            }
            assert.deepStrictEqual(merge(pushes), expected, `chunks of ${size}`);
        }
        // A sync that never arrives on stderr (R died between the two writes).
        assert.deepStrictEqual(merge([['stdout', [t('a'), s(1), t('b')]], ['stderr', [t('x')]]]), ['stdout:a', 'stderr:x', 'stdout:b']);
    });
});
