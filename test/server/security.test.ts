import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { TestClient } from '../support/serverClient';
import { makeFakeKernel } from '../support/fakes';
import { fdTargets } from '../support/procs';

describe('security of the kernel channel (real R)', function () {
    const clients: TestClient[] = [];
    afterEach(async () => {
        for (const c of clients.splice(0)) await c.stop();
    });

    it('keeps the channel in a private folder and removes its paths once the kernel is in', async () => {
        const client = await TestClient.start();
        clients.push(client);
        const rPid = client.lastStatus()!.pid!;
        const fifos = [...fdTargets(rPid).values()].filter((t) => /rbridge-[^/]+\/(to-kernel|from-kernel|grants|out|err)/.test(t));
        assert.ok(fifos.length >= 5, `R holds the channel: ${fifos.join(', ')}`);
        for (const target of fifos) assert.match(target, / \(deleted\)$/, `${target} is still reachable by path`);
        const folder = path.dirname(fifos[0].replace(/ \(deleted\)$/, ''));
        if (fs.existsSync(folder)) {
            assert.strictEqual(fs.statSync(folder).mode & 0o777, 0o700, 'the channel folder is private');
            // Only R's own temporary folder (TMPDIR) is there, as private.
            assert.deepStrictEqual(fs.readdirSync(folder), ['tmp'], 'nothing of the channel left to open in its folder');
        }
        assert.strictEqual(await client.run('1'), '[1] 1\n');
    });

    it('stops a kernel that presents a wrong secret, and says why', async () => {
        const kernelDir = makeFakeKernel('writeBin(charToRaw(paste0(strrep("0", 64), "\\n")), output); flush(output); Sys.sleep(30)');
        const client = await TestClient.start({ env: { RBRIDGE_KERNEL_DIR: kernelDir }, noWait: true });
        clients.push(client);
        await client.waitFor(() => client.statuses.some((s) => s.state === 'dead'), 20000, 'dead kernel');
        const dead = client.statuses.find((s) => s.state === 'dead')!;
        assert.match(dead.reason!, /without the launch secret/);
    });
});
