/**
 * Grants (server/src/kernel/channel.ts): grant files that R claims by
 * removing them and the server takes back by renaming them, held back and
 * given back, and the doorbell that wakes R. R's side is played here with
 * the same file operations.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Grants, grantsFolder } from '../../server/src/kernel/channel';

describe('grants for executions sent ahead', () => {
    let dir: string;
    let grants: Grants;
    let bell: number;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-grants-test-'));
        const fifo = path.join(dir, 'grants');
        execFileSync('mkfifo', ['-m', '600', fifo]);
        grants = new Grants(fifo, grantsFolder(dir));
        bell = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    });
    afterEach(() => {
        grants.close();
        fs.closeSync(bell);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const files = () => fs.readdirSync(grants.dir).sort();
    /** R's claim: removing go-<id> (false when it is not there). */
    function claim(id: number): boolean {
        try {
            fs.unlinkSync(path.join(grants.dir, `go-${id}`));
            return true;
        } catch {
            return false;
        }
    }
    /** The doorbell's bytes since the last look. */
    function rings(): number {
        try {
            return fs.readSync(bell, Buffer.alloc(64), 0, 64, null);
        } catch {
            return 0;
        }
    }

    it('keeps the grant files in a new private folder', () => {
        const stat = fs.lstatSync(grants.dir);
        assert.ok(stat.isDirectory());
        assert.strictEqual(stat.mode & 0o777, 0o700);
        if (process.getuid) assert.strictEqual(stat.uid, process.getuid());
        if (fs.existsSync('/dev/shm')) assert.match(grants.dir, /^\/dev\/shm\/rbridge-grants-/, 'in memory where /dev/shm is');
    });

    it('takes back only the grants R has not claimed, and R finds those taken back', () => {
        grants.add(7);
        grants.add(8);
        grants.add(9);
        assert.deepStrictEqual(files(), ['go-7', 'go-8', 'go-9']);
        assert.strictEqual(claim(7), true);
        const revoked = grants.revoke([7, 8]);
        assert.deepStrictEqual([...revoked], [8], 'R had claimed 7');
        assert.deepStrictEqual(files(), ['go-9', 'no-8']);
        assert.strictEqual(claim(8), false, 'R cannot claim a grant taken back');
        assert.ok(rings() > 0, 'R is woken to look again');
        assert.deepStrictEqual([...grants.revoke([8])], [], 'a grant is taken back once');
    });

    it('holds back the grants after the running execution, and those given meanwhile, until released', () => {
        grants.add(7);
        grants.add(8);
        grants.hold(7);
        grants.add(9);
        assert.deepStrictEqual(files(), ['go-7', 'held-8', 'held-9'], "the running one's own grant stays");
        assert.strictEqual(claim(8), false);
        assert.strictEqual(rings(), 0);
        grants.release();
        assert.deepStrictEqual(files(), ['go-7', 'go-8', 'go-9']);
        assert.ok(rings() > 0, 'R is woken when they come back');
        assert.strictEqual(claim(8), true);
    });

    it('takes back a held grant too, and forgets the grants of executions R has ended', () => {
        grants.add(7);
        grants.add(8);
        grants.hold(6);
        assert.deepStrictEqual([...grants.revoke([8])], [8]);
        assert.deepStrictEqual(files(), ['held-7', 'no-8']);
        grants.release();
        assert.deepStrictEqual(files(), ['go-7', 'no-8']);
        grants.started(7);
        assert.deepStrictEqual([...grants.revoke([7])], [], 'execution 7 has ended: its grant is used');
    });

    it('removes its folder when closed', () => {
        grants.add(7);
        const folder = grants.dir;
        grants.close();
        assert.strictEqual(fs.existsSync(folder), false);
    });
});
