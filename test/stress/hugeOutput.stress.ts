/**
 * Huge output: one execution prints 100 MB. It must arrive complete and
 * in order (an MD5 of what the client received against an MD5 that R
 * computes of the same text, written to a file as it printed it), and the
 * server's memory must stay bounded (VmRSS sampled while it streams, and
 * VmHWM, the peak, afterwards: at most 150 MB).
 */
import * as assert from 'assert';
import { createHash } from 'crypto';
import type { ExecuteResult, OutputParams } from '../../common/protocol';
import { memoryOf } from '../support/procs';
import { WireClient } from '../support/wireClient';
import { armSuiteDeadline, report } from './harness';
import { fmt } from '../support/stats';

const LIMIT_KB = 150e6 / 1024;

/**
 * 1,000 blocks of 1,000 numbered lines of 100 bytes: 100,000,000 bytes,
 * printed and written to a file block by block. Numbered lines make a lost,
 * repeated or reordered chunk change the checksum.
 */
const PRINT = `local({
  con <- file(file.path(tempdir(), "rbridge-huge.txt"), "wb")
  on.exit(close(con))
  pad <- strrep("0123456789", 9)
  for (b in 0:999) {
    block <- paste0(sprintf("%08d %s\\n", b * 1000 + 1:1000, pad), collapse = "")
    cat(block)
    writeBin(charToRaw(block), con)
  }
})`;
const CHECK = 'f <- file.path(tempdir(), "rbridge-huge.txt"); cat(unname(tools::md5sum(f)), format(file.size(f), scientific = FALSE)); invisible(file.remove(f))';

describe('stress: 100 MB of output from one execution', function () {
    this.timeout(300_000);
    let client: WireClient | undefined;
    before(() => armSuiteDeadline());
    after(async () => {
        await client?.stop();
    });

    it('arrives complete and in order, with the server under 150 MB', async () => {
        const c = (client = await WireClient.start());
        const hash = createHash('md5');
        let bytes = 0;
        let other = '';
        c.on('r/output', (p) => {
            const o = p as OutputParams;
            if (o.executionId === 'huge' && o.stream === 'stdout') {
                hash.update(o.text, 'utf8');
                bytes += Buffer.byteLength(o.text, 'utf8');
            } else if (o.executionId === 'check' && o.stream === 'stdout') {
                other += o.text;
            }
        });
        const idle = memoryOf(c.pid)!;
        let peakSampled = idle.rssKb;
        const sampler = setInterval(() => {
            peakSampled = Math.max(peakSampled, memoryOf(c.pid)?.rssKb ?? 0);
        }, 20);
        const t0 = performance.now();
        const reply = await c.within(c.request<ExecuteResult>('r/execute', { code: PRINT, executionId: 'huge' }), 240000, '100 MB of output');
        const seconds = (performance.now() - t0) / 1000;
        clearInterval(sampler);
        assert.strictEqual(reply.result?.status, 'ok', JSON.stringify(reply));
        const hwm = memoryOf(c.pid)!.hwmKb;

        const check = await c.within(c.request<ExecuteResult>('r/execute', { code: CHECK, executionId: 'check' }), 30000, 'the checksum');
        assert.strictEqual(check.result?.status, 'ok', JSON.stringify(check));
        const [rMd5, rSize] = other.trim().split(' ');
        const clientMd5 = hash.digest('hex');
        report(`${fmt(bytes)} bytes in ${fmt(seconds)} s (${fmt(bytes / seconds / 1e6)} MB/s) in ${c.count('r/output')} r/output notifications`);
        report(`MD5 in R ${rMd5} (${rSize} bytes), on the client ${clientMd5}`);
        report(`server RSS idle ${fmt(idle.rssKb / 1024)} MiB, peak sampled every 20 ms ${fmt(peakSampled / 1024)} MiB, VmHWM ${fmt(hwm / 1024)} MiB`);
        assert.strictEqual(Number(rSize), 100_000_000);
        assert.strictEqual(bytes, 100_000_000);
        assert.strictEqual(clientMd5, rMd5);
        assert.ok(hwm <= LIMIT_KB, `the server's peak RSS (VmHWM) was ${fmt(hwm / 1024)} MiB`);
    });
});
