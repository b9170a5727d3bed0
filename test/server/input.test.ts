import * as assert from 'assert';
import { InputParams, InterruptRequest } from '../../common/protocol';
import { TestClient } from '../support/serverClient';

describe('console input through r/input (real R)', function () {
    let client: TestClient;
    before(async () => {
        client = await TestClient.start();
    });
    after(async () => {
        await client?.stop();
    });

    it('readline() asks the client and R receives the answer', async () => {
        const asked: InputParams[] = [];
        client.inputHandler = (p) => {
            asked.push(p);
            return { text: 'Ada' };
        };
        const result = await client.execute({ code: 'name <- readline("Name? "); cat("Hello,", name, "\\n")', executionId: 'ask' });
        assert.strictEqual(result.status, 'ok');
        assert.deepStrictEqual(asked, [{ executionId: 'ask', prompt: 'Name? ' }]);
        assert.strictEqual(client.textOf('ask', 'stdout'), 'Hello, Ada \n');
    });

    it('serves menu() and readLines(stdin()) and scan(file = "")', async () => {
        const answers = ['2', 'first', 'second', '', '3 4', ''];
        client.inputHandler = (p) => {
            const text = answers.shift()!;
            return p.prompt === '' && text === '' ? { text: '', eof: true } : { text };
        };
        const result = await client.execute('m <- menu(c("a", "b")); l <- readLines(stdin()); s <- scan(); print(list(m, l, s)); scan(text = "5 6")');
        assert.strictEqual(result.status, 'ok', JSON.stringify(result.error));
        assert.match(client.textOf(result.executionId, 'stdout'), /\[\[1\]\]\n\[1\] 2\n\n\[\[2\]\]\n\[1\] "first" {2}"second"\n\n\[\[3\]\]\n\[1\] 3 4\n\n\[1\] 5 6\n$/);
    });

    it('a failed r/input interrupts the code that asked', async () => {
        client.inputHandler = () => {
            throw new Error('no thanks');
        };
        const result = await client.execute('x <- readline("? "); cat("not reached\\n")');
        assert.strictEqual(result.status, 'interrupted');
        assert.doesNotMatch(client.textOf(result.executionId), /not reached/);
        assert.strictEqual(await client.run('1'), '[1] 1\n');
    });

    it('an interrupt while R waits for input ends the execution and cancels the request', async () => {
        // The request reaching the client proves that R is waiting for input
        // and that the server knows it (the interrupt must cancel the request).
        let asked = false;
        client.inputHandler = () => {
            asked = true;
            client.wake();
            return new Promise(() => undefined);
        };
        const running = client.execute({ code: 'readline("wait: ")', executionId: 'waiting' });
        await client.waitFor(() => asked, 10000, 'the r/input request for readline("wait: ")');
        await client.connection.sendRequest(InterruptRequest, {});
        assert.strictEqual((await running).status, 'interrupted');
        const next = await client.execute('2');
        assert.strictEqual(next.status, 'ok', JSON.stringify(client.statuses.slice(-2)) + JSON.stringify(client.logs));
    });
});
