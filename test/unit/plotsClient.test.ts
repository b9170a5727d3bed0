import * as assert from 'assert';
import { formatOfFile, parsePlotSize, plotSource, pngSize, pngSizeOfBase64 } from '../../client/src/plots/plotText';

/** The first 24 bytes of a PNG of this size: the signature, then the IHDR chunk's length, type, width and height. */
function pngHeader(width: number, height: number): Buffer {
    const header = Buffer.alloc(24);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
    header.writeUInt32BE(13, 8);
    header.write('IHDR', 12, 'latin1');
    header.writeUInt32BE(width, 16);
    header.writeUInt32BE(height, 20);
    return header;
}

describe('client: the Plots view', () => {
    it("reads a PNG's pixel size from its header, and refuses what is not a PNG", () => {
        assert.deepStrictEqual(pngSize(pngHeader(1092, 812)), { width: 1092, height: 812 });
        assert.deepStrictEqual(pngSizeOfBase64(pngHeader(40000, 3).toString('base64') + 'AAAA'), { width: 40000, height: 3 });
        assert.strictEqual(pngSize(Buffer.from('%PDF-1.4 and more than twenty-four bytes')), undefined);
        assert.strictEqual(pngSize(pngHeader(1, 1).subarray(0, 20)), undefined);
    });

    it('says where a plot came from: the file and line, or the console', () => {
        const range = { start: { line: 11, character: 0 }, end: { line: 11, character: 10 } };
        assert.strictEqual(plotSource({ plotId: '1', executionId: 'e1', uri: 'file:///home/me/analysis.R', range }), 'analysis.R:12');
        assert.strictEqual(plotSource({ plotId: '1', executionId: 'e1', uri: 'untitled:Untitled-1', range }), 'Untitled-1:12');
        assert.strictEqual(plotSource({ plotId: '1', executionId: 'e1', uri: 'file:///w/my%20plots.R', range }), 'my plots.R:12');
        assert.strictEqual(plotSource({ plotId: '1', executionId: null, line: 3 }), 'console');
    });

    it('takes the size of a saved plot as a person types it', () => {
        for (const text of ['800x600', '800 × 600', ' 800 X 600 px', '800, 600', '800 600', '800*600']) {
            assert.deepStrictEqual(parsePlotSize(text), { width: 800, height: 600 }, text);
        }
        for (const text of ['', '800', '800x', '0x600', '800x20001', '-5x5', '1.5x2', 'wide']) assert.strictEqual(parsePlotSize(text), undefined, text);
    });

    it("chooses the saved file's format by its extension", () => {
        assert.strictEqual(formatOfFile('/w/plot.svg'), 'svg');
        assert.strictEqual(formatOfFile('C:\\w\\PLOT.PDF'), 'pdf');
        assert.strictEqual(formatOfFile('/w/plot.png'), 'png');
        assert.strictEqual(formatOfFile('/w.d/plot'), 'png');
    });
});
