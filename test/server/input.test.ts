import * as assert from 'assert';
import { InputParams, InterruptRequest } from '../../common/protocol';
import { TestClient } from '../helpers/serverClient';

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
        assert.match(client.textOf(result.executionId, 'stdout'), /\[\[1\]\]\n\[1\] 2\n\n\[\[2\]\]\n\[1\] "first"  "second"\n\n\[\[3\]\]\n\[1\] 3 4\n\n\[1\] 5 6\n$/);
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
        client.inputHandler = () => new Promise(() => undefined);
        const running = client.execute({ code: 'readline("wait: ")', executionId: 'waiting' });
        await client.waitFor(() => client.states.some((s) => s.executionId === 'waiting' && s.state === 'running'));
        await new Promise((r) => setTimeout(r, 200));
        await client.connection.sendRequest(InterruptRequest, {});
        assert.strictEqual((await running).status, 'interrupted');
        const next = await client.execute('2');
        assert.strictEqual(next.status, 'ok', JSON.stringify(client.statuses.slice(-2)) + JSON.stringify(client.logs));
    });
});
