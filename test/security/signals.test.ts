/**
 * A server stopped by a signal (Neovim and `kill` stop servers with
 * SIGTERM, a closed terminal sends SIGHUP, Ctrl+C in a terminal SIGINT)
 * takes R with it at once: the running code stops, the executions sent
 * ahead never run, what R started in its process group goes too, and the
 * kernel's private folder is removed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isRunning, processGroup } from '../support/procs';
import { WireClient } from '../support/wireClient';

describe('security: a server stopped by a signal', function () {
    this.timeout(60000);
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-signal-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const [signal, code] of [
        ['SIGTERM', 143],
        ['SIGHUP', 129],
        ['SIGINT', 130],
    ] as const) {
        it(`ends R, its process group and its folder on ${signal}`, async () => {
            const client = await WireClient.start();
            const rPid = client.kernelPid!;
            const ticks = path.join(dir, 'ticks');
            const late = path.join(dir, 'late');
            const temp = path.join(dir, 'tempdir');
            // A background child in R's group, code that keeps writing, and
            // executions sent ahead that would write later.
            void client.executeReply({
                code: `writeLines(tempdir(), ${JSON.stringify(temp)}); system("sleep 300 &"); repeat { cat("x\\n", file = ${JSON.stringify(ticks)}, append = TRUE); Sys.sleep(0.02) }`,
            });
            for (let i = 0; i < 3; i++) void client.executeReply({ code: `file.create(${JSON.stringify(late)})` });
            await client.waitFor(() => fs.existsSync(ticks) && processGroup(rPid).length > 1, 10000, 'R running its code and its child');
            const group = processGroup(rPid);
            const kernelFolder = path.dirname(path.dirname(fs.readFileSync(temp, 'utf8').trim()));
            assert.match(path.basename(kernelFolder), /^rbridge-/, kernelFolder);
            assert.ok(fs.existsSync(kernelFolder), kernelFolder);
            client.child!.kill(signal);
            await client.waitExit(5000);
            assert.strictEqual(client.exitCode, code, `the server's exit code on ${signal}`);
            // Killed before the server exited; the kernel may take a moment to reap them.
            await client.waitFor(() => !group.some((pid) => isRunning(pid)), 2000, `R and its children gone (left: ${group.filter((pid) => isRunning(pid))})`);
            const size = fs.statSync(ticks).size;
            await new Promise((resolve) => setTimeout(resolve, 300)); // R would have written ~15 more lines by now.
            assert.strictEqual(fs.statSync(ticks).size, size, 'nothing writes after the server died');
            assert.ok(!fs.existsSync(late), 'an execution sent ahead ran after the server died');
            assert.ok(!fs.existsSync(kernelFolder), `the kernel's private folder is left behind: ${kernelFolder} ${fs.existsSync(kernelFolder) && JSON.stringify(fs.readdirSync(kernelFolder, { recursive: true }))}`);
        });
    }
});
