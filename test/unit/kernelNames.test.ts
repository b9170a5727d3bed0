/**
 * The kernel's R files share one environment (kernel/bootstrap.R sources
 * them all into it): a name defined at the top level of two files, or a
 * function whose name another file uses for its state, would silently
 * replace the other. Checked on the files' text, without R.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../support/paths';

describe('kernel files', () => {
    it('define each top-level name once', () => {
        const dir = path.join(ROOT, 'kernel');
        const seen = new Map<string, string>();
        const twice: string[] = [];
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.R'))) {
            for (const m of fs.readFileSync(path.join(dir, file), 'utf8').matchAll(/^([A-Za-z_.][A-Za-z0-9_.]*) <-/gm)) {
                const earlier = seen.get(m[1]);
                if (earlier) twice.push(`${m[1]} (${earlier} and ${file})`);
                else seen.set(m[1], file);
            }
        }
        assert.deepStrictEqual(twice, []);
    });
});
