import * as assert from 'assert';
import { TestClient } from '../helpers/serverClient';

describe('server basics (real R)', function () {
    let client: TestClient;
    before(async () => {
        client = await TestClient.start();
    });
    after(async () => {
        await client?.stop();
    });

    it('runs 1+1 and prints the result', async () => {
        const result = await client.execute('1+1');
        assert.strictEqual(result.status, 'ok');
        assert.strictEqual(client.textOf(result.executionId, 'stdout'), '[1] 2\n');
    });
});
