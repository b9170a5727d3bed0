/**
 * The kernel channel admits exactly one kernel: the R process the server
 * started, which proves it by writing the per-launch secret first. A writer
 * that gets the secret wrong (even after a correct prefix) or breaks the
 * frame format is stopped with a clear reason; once the kernel is in, the
 * FIFO paths are gone, so nothing else can open the channel, and they lived
 * in a private folder with private modes while they existed.
 *
 * test/server/security.test.ts covers the basic cases (a wrong secret,
 * unlinked FIFOs in a 0700 folder); this file adds the edges.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { makeFakeKernel } from '../support/fakes';
import { childrenOf, fdTargets, isRunning } from '../support/procs';
import { WireClient } from '../support/wireClient';

const CHANNEL = /\/(rbridge-[^/]+)\/(to-kernel|from-kernel|grants|out|err)( \(deleted\))?$/;

/** R's descriptors on the channel folder: fd → path (without " (deleted)"), and whether each is unlinked. */
function channelOf(rPid: number): { fd: number; file: string; deleted: boolean }[] {
    const out: { fd: number; file: string; deleted: boolean }[] = [];
    for (const [fd, target] of fdTargets(rPid)) {
        if (CHANNEL.test(target)) out.push({ fd, file: target.replace(/ \(deleted\)$/, ''), deleted: target.endsWith(' (deleted)') });
    }
    return out;
}

describe('security: the kernel channel admits one kernel', function () {
    this.timeout(60000);
    const clients: WireClient[] = [];
    const start = async (options: Parameters<typeof WireClient.start>[0]) => {
        const client = await WireClient.start(options);
        clients.push(client);
        return client;
    };
    const fakeKernels: string[] = [];
    afterEach(async () => {
        for (const c of clients.splice(0)) await c.stop();
        for (const dir of fakeKernels.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Starts a fake kernel, records the R it runs in, and waits for the start to fail. */
    async function failedStart(body: string): Promise<{ reason: string; rPids: number[]; client: WireClient }> {
        const kernelDir = makeFakeKernel(body);
        fakeKernels.push(kernelDir);
        const client = await start({ env: { RBRIDGE_KERNEL_DIR: kernelDir }, noWait: true });
        const rPids = new Set<number>();
        const sampler = setInterval(() => childrenOf(client.pid).forEach((p) => rPids.add(p)), 5);
        try {
            await client.waitFor(() => client.lastStatus()?.state === 'dead', 20000, 'the start to fail');
        } finally {
            clearInterval(sampler);
        }
        return { reason: client.lastStatus()!.reason!, rPids: [...rPids], client };
    }

    it('stops a writer whose secret starts right and then differs, at the first wrong byte', async () => {
        // 40 correct hex digits, then the rest changed digit by digit.
        const { reason, rPids, client } = await failedStart(
            'writeBin(charToRaw(paste0(substr(secret, 1, 40), chartr("0123456789abcdef", "123456789abcdef0", substr(secret, 41, 64)), "\\n")), output); flush(output); Sys.sleep(30)',
        );
        assert.match(reason, /the kernel channel received data without the launch secret/);
        assert.ok(rPids.length > 0, 'the fake kernel ran');
        await client.waitFor(() => !rPids.some(isRunning), 5000, 'the impostor to be stopped');
        assert.deepStrictEqual(childrenOf(client.pid), []);
    });

    it('stops a writer that sends a few bytes of a wrong secret and then waits', async () => {
        // Not even a whole line: the server must not wait for more.
        const { reason, rPids, client } = await failedStart('writeBin(charToRaw(chartr("0123456789abcdef", "123456789abcdef0", substr(secret, 1, 3))), output); flush(output); Sys.sleep(30)');
        assert.match(reason, /without the launch secret/);
        await client.waitFor(() => !rPids.some(isRunning), 5000, 'the impostor to be stopped');
    });

    it('stops a kernel that presents the secret and then breaks the frame format', async () => {
        const { reason, rPids, client } = await failedStart('writeBin(charToRaw(paste0(secret, "\\n", "this is not a frame header at all")), output); flush(output); Sys.sleep(30)');
        assert.match(reason, /the kernel broke the protocol: malformed frame header/);
        await client.waitFor(() => !rPids.some(isRunning), 5000, 'the kernel to be stopped');
    });

    it('once the kernel is in, no path to the channel is left, and it was private while it existed', async () => {
        const client = await start({});
        for (const phase of ['first kernel', 'after r/restart']) {
            const rPid = client.kernelPid!;
            const channel = channelOf(rPid);
            assert.ok(channel.length >= 5, `${phase}: R holds the channel and its output pipes: ${JSON.stringify(channel)}`);
            for (const { fd, file, deleted } of channel) {
                assert.ok(deleted, `${phase}: ${file} can still be opened by path`);
                assert.throws(() => fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK), /ENOENT/, `${phase}: ${file} opened`);
                // The FIFO itself, through R's descriptor: private to the user.
                const stat = fs.statSync(`/proc/${rPid}/fd/${fd}`);
                assert.ok(stat.isFIFO(), `${file} is a FIFO`);
                assert.strictEqual(stat.mode & 0o777, 0o600, `${phase}: ${file} has mode ${(stat.mode & 0o777).toString(8)}`);
                assert.strictEqual(stat.uid, process.getuid!());
            }
            const folder = path.dirname(channel[0].file);
            assert.ok(channel.every((c) => path.dirname(c.file) === folder), 'one folder per kernel');
            const folderStat = fs.statSync(folder);
            assert.strictEqual(folderStat.mode & 0o777, 0o700, `${phase}: the channel folder has mode ${(folderStat.mode & 0o777).toString(8)}`);
            assert.strictEqual(folderStat.uid, process.getuid!());
            // Nothing of the channel is left; only R's own temporary folder (TMPDIR), as private.
            assert.deepStrictEqual(fs.readdirSync(folder), ['tmp'], `${phase}: the channel folder holds only R's temporary folder`);
            assert.strictEqual(fs.statSync(path.join(folder, 'tmp')).mode & 0o777, 0o700, `${phase}: R's temporary folder is private`);
            assert.strictEqual((await client.execute('1+1')).status, 'ok');
            if (phase === 'first kernel') {
                const reply = await client.request<{ pid: number }>('r/restart', {});
                assert.ok(reply.result?.pid);
                await client.waitFor(() => !fs.existsSync(folder), 5000, 'the old kernel folder to be removed');
                assert.notStrictEqual(path.dirname(channelOf(client.kernelPid!)[0]?.file ?? folder), folder, 'a new folder for the new kernel');
            }
        }
    });
});
