/**
 * The compiled kernel kept between sessions (server/src/kernel/compiledCache.ts,
 * save_compiled() and load_compiled() in kernel/main.R). Real R.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WireClient } from '../support/wireClient';

/** Whether a kernel function that no execution calls is compiled: only the warm-up rounds or a loaded cache compile it. */
const PROBE = 'cat(typeof(.Internal(bodyCode(parent.env(environment(get("resume", as.environment("tools:rbridge"))))$describe_pending))))';

describe('the compiled kernel kept between sessions (real R)', function () {
    this.timeout(90000);
    let cache: string;
    let client: WireClient | undefined;
    beforeEach(() => {
        cache = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-cache-'));
    });
    afterEach(async () => {
        await client?.stop();
        client = undefined;
        fs.rmSync(cache, { recursive: true, force: true });
    });

    async function files(dir: string, ms = 60000): Promise<string[]> {
        const deadline = Date.now() + ms;
        for (;;) {
            const found = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.rds')) : [];
            if (found.length || Date.now() > deadline) return found;
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    }

    it('saves the kernel once the warm-up has compiled it, and a new session starts compiled', async () => {
        client = await WireClient.start({ env: { XDG_CACHE_HOME: cache }, keep: ['r/output'] });
        assert.strictEqual(await client.run(PROBE), 'language', 'a first start runs uncompiled until the warm-up');
        const dir = path.join(cache, 'rbridge');
        const saved = await files(dir);
        assert.strictEqual(saved.length, 1, 'the compiled kernel was saved once the warm-up ended');
        assert.match(saved[0], /^kernel-[0-9a-f]{16}\.rds$/);
        assert.strictEqual(fs.statSync(dir).mode & 0o777, 0o700, 'the cache folder is private');
        assert.strictEqual(fs.statSync(path.join(dir, saved[0])).mode & 0o777, 0o600, 'the file is closed to others');
        await client.stop();

        client = await WireClient.start({ env: { XDG_CACHE_HOME: cache }, keep: ['r/output'] });
        assert.strictEqual(await client.run(PROBE), 'bytecode', 'the second session loaded the compiled kernel');
        assert.strictEqual((await client.execute('1 + 1')).status, 'ok');
    });

    it('ignores a cache file others could change, and starts as without one', async () => {
        client = await WireClient.start({ env: { XDG_CACHE_HOME: cache }, keep: ['r/output'] });
        const dir = path.join(cache, 'rbridge');
        const [name] = await files(dir);
        assert.ok(name, 'the compiled kernel was saved');
        await client.stop();
        fs.chmodSync(path.join(dir, name), 0o666);

        client = await WireClient.start({ env: { XDG_CACHE_HOME: cache }, keep: ['r/output'] });
        assert.strictEqual(await client.run(PROBE), 'language', 'a file others can write was loaded');
        assert.strictEqual((await client.execute('1 + 1')).status, 'ok');
    });
});
