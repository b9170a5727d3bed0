import * as assert from 'assert';
import { TestClient } from '../support/serverClient';

describe('output streaming and ordering (real R)', function () {
    let client: TestClient;
    before(async () => {
        client = await TestClient.start();
    });
    after(async () => {
        await client?.stop();
    });

    it('streams output while code runs, not at the end', async () => {
        const arrivals: number[] = [];
        const start = Date.now();
        const seen = client.outputs.length;
        const running = client.execute('for (i in 1:3) { cat(i, "\\n"); Sys.sleep(1) }');
        await client.waitFor(() => client.outputs.slice(seen).some((o) => o.text.includes('1')), 5000, 'first line');
        arrivals.push(Date.now() - start);
        await client.waitFor(() => client.outputs.slice(seen).some((o) => o.text.includes('2')), 5000, 'second line');
        arrivals.push(Date.now() - start);
        await client.waitFor(() => client.outputs.slice(seen).some((o) => o.text.includes('3')), 5000, 'third line');
        arrivals.push(Date.now() - start);
        const result = await running;
        assert.strictEqual(client.textOf(result.executionId, 'stdout'), '1 \n2 \n3 \n');
        // The lines come about a second apart (wide bounds: the machine is shared).
        assert.ok(arrivals[0] < 800, `first line after ${arrivals[0]} ms`);
        assert.ok(arrivals[1] - arrivals[0] > 500, `gap ${arrivals[1] - arrivals[0]} ms`);
        assert.ok(arrivals[2] - arrivals[1] > 500, `gap ${arrivals[2] - arrivals[1]} ms`);
    });

    it('captures output from child processes and from C code like R output', async () => {
        const result = await client.execute('system("echo hi"); system("echo oops 1>&2"); invisible(.Internal(printDeferredWarnings())); cat("r\\n")');
        assert.strictEqual(result.status, 'ok');
        assert.strictEqual(client.textOf(result.executionId, 'stdout'), 'hi\nr\n');
        assert.strictEqual(client.textOf(result.executionId, 'stderr'), 'oops\n');
        // print() of a large vector is written by R's C printing code.
        const printed = await client.run('print(1:30)');
        assert.match(printed, /\[26\] 26 27 28 29 30\n$/);
    });

    it('delivers every output of an execution before its answer', async () => {
        const answered: string[] = [];
        const runs = Array.from({ length: 20 }, (_, i) =>
            client.execute(`cat(strrep("${i % 10}", 5000), "\\n"); message("m${i}")`).then((r) => {
                // At the moment of the answer, all of this execution's output is in.
                assert.strictEqual(client.textOf(r.executionId, 'stdout').length, 5002);
                assert.strictEqual(client.textOf(r.executionId, 'stderr'), `m${i}\n`);
                answered.push(r.executionId);
                return r;
            }),
        );
        await Promise.all(runs);
        assert.strictEqual(answered.length, 20);
    });

    it('keeps stdout and stderr in the order R wrote them: output, messages, warnings, errors, echo', async () => {
        // Two pipes read separately: without the kernel's sync markers the
        // server would often pass on a burst of one before the other.
        const result = await client.execute({
            code: 'for (i in 1:300) { cat("o", i, "\\n", sep = ""); message("m", i) }\nwarning("w")\nprint("after")\nstop("e")\nprint("never")',
            echo: true,
            executionId: 'order',
        });
        assert.strictEqual(result.status, 'error');
        // Consecutive chunks of one stream are joined (a chunk may end inside a line), then split into lines.
        const runs: { stream: string; text: string }[] = [];
        for (const o of client.outputs.filter((o) => o.executionId === 'order')) {
            const last = runs[runs.length - 1];
            if (last?.stream === o.stream) last.text += o.text;
            else runs.push({ stream: o.stream, text: o.text });
        }
        const merged = runs.flatMap((r) => r.text.split('\n').filter((line) => line).map((line) => `${r.stream === 'stderr' ? 'E ' : ''}${line}`));
        const expected = ['> for (i in 1:300) { cat("o", i, "\\n", sep = ""); message("m", i) }'];
        for (let i = 1; i <= 300; i++) expected.push(`o${i}`, `E m${i}`);
        expected.push('> warning("w")', 'E Warning message:', 'E w ', '> print("after")', '[1] "after"', '> stop("e")', 'E Error: e');
        assert.deepStrictEqual(merged, expected);
    });

    it('answers 1,000 executions sent in one burst, in order, each with its own output', async () => {
        const order: number[] = [];
        const runs = Array.from({ length: 1000 }, (_, i) =>
            client.execute({ code: `cat("n${i}\\n")`, executionId: `burst-${i}` }).then((r) => {
                order.push(i);
                return r;
            }),
        );
        const results = await Promise.all(runs);
        assert.deepStrictEqual(order, Array.from({ length: 1000 }, (_, i) => i));
        results.forEach((r, i) => {
            assert.strictEqual(r.status, 'ok');
            assert.strictEqual(r.executionId, `burst-${i}`);
            assert.strictEqual(client.textOf(r.executionId, 'stdout'), `n${i}\n`);
        });
    });

    it('keeps output written while no execution runs apart (executionId null)', async () => {
        await client.run('system("(sleep 0.3; echo late) &")');
        await client.waitFor(() => client.textOf(null).includes('late'), 5000, 'background output');
    });

    it('delivers NUL and invalid UTF-8 bytes without breaking', async () => {
        const result = await client.execute('cat(rawToChar(as.raw(c(0x61, 0xff, 0xfe, 0x62))), "\\n"); system("printf \'c\\\\000d\\\\n\'"); "ok"');
        assert.strictEqual(result.status, 'ok');
        const text = client.textOf(result.executionId, 'stdout');
        assert.match(text, /a\uFFFD\uFFFDb \n/);
        assert.ok(text.includes('c\u0000d\n'), JSON.stringify(text));
        assert.match(text, /\[1\] "ok"\n$/);
        assert.strictEqual(await client.run('1'), '[1] 1\n');
    });

    it('keeps output across sink() and its marker stays out of user files', async () => {
        const file = `/tmp/rbridge-sink-${process.pid}.txt`;
        const result = await client.execute(`sink("${file}"); cat("to file\\n"); 99`);
        assert.strictEqual(result.status, 'ok');
        assert.strictEqual(client.textOf(result.executionId, 'stdout'), '');
        const after = await client.execute(`sink(); readLines("${file}")`);
        assert.strictEqual(client.textOf(after.executionId, 'stdout'), '[1] "to file" "[1] 99" \n');
        await client.run(`unlink("${file}")`);
    });
});
