import * as assert from 'assert';
import { SymbolsChangedParams, VariablesRequest } from '../../common/protocol';
import { TestClient } from '../support/serverClient';

describe('changed symbols and variables (real R)', function () {
    let client: TestClient;
    before(async () => {
        client = await TestClient.start();
    });
    after(async () => {
        await client?.stop();
    });

    /** The r/symbolsChanged notifications sent for one execution. */
    async function changesOf(code: string): Promise<SymbolsChangedParams[]> {
        const before = client.symbols.length;
        const result = await client.execute(code);
        assert.strictEqual(result.status, 'ok', JSON.stringify(result.error));
        return client.symbols.slice(before);
    }

    it('reports added, changed and removed symbols, and nothing for no change', async () => {
        let changes = await changesOf('a <- 1:10');
        assert.strictEqual(changes.length, 1);
        assert.deepStrictEqual(changes[0].added.map((v) => v.name), ['a']);
        assert.strictEqual(changes[0].added[0].summary, '1 2 3 4 5 6 7 8 9 10');
        assert.deepStrictEqual(changes[0].added[0].class, ['integer']);
        changes = await changesOf('a[1] <- 5L');
        assert.deepStrictEqual(changes.map((c) => c.changed.map((v) => v.name)), [['a']]);
        assert.match(changes[0].changed[0].summary, /^5 2 3/);
        changes = await changesOf('a[2] <- 6L');
        assert.deepStrictEqual(changes.map((c) => c.changed.map((v) => v.name)), [['a']], 'an in-place change is seen too');
        assert.deepStrictEqual(await changesOf('1 + 1'), []);
        assert.deepStrictEqual(await changesOf('invisible(a)'), []);
        changes = await changesOf('rm(a)');
        assert.deepStrictEqual(changes, [{ added: [], changed: [], removed: ['a'] }]);
    });

    it('handles empty arguments in code with assignments (m[, 1])', async () => {
        assert.strictEqual(await client.run('m <- matrix(1:4, 2); m[, 1]'), '[1] 1 2\n');
        const changes = await changesOf('m[, 1] <- 0L');
        assert.deepStrictEqual(changes.map((c) => c.changed.map((v) => v.name)), [['m']]);
        await client.run('rm(m)');
    });

    it('sees in-place changes to environments and through assign()', async () => {
        await changesOf('e <- new.env(); v <- c(1, 2, 3)');
        let changes = await changesOf('e$field <- 1');
        assert.deepStrictEqual(changes.map((c) => c.changed.map((v) => v.name)), [['e']]);
        changes = await changesOf('assign("v", 99)');
        assert.deepStrictEqual(changes.map((c) => c.changed.map((v) => v.name)), [['v']]);
        await client.run('rm(e, v)');
    });

    it('sees environments changed without an assignment to their name (methods, closures, R6), and runs none of their code to describe them', async () => {
        await changesOf('counter <- local({ n <- 0; add <- function() { n <<- n + 1; assign(paste0("k", n), n, envir = parent.env(environment())) }; environment() })');
        const changes = await changesOf('counter$add()');
        assert.deepStrictEqual(changes.map((c) => c.changed.map((v) => v.name)), [['counter']]);
        assert.match(changes[0].changed[0].summary, /\(3 bindings\)$/, 'the new binding k1 is counted');
        // An R6 object is described by its class name, not through its format() method.
        await changesOf('Box <- R6::R6Class("Box", public = list(items = list(), put = function(x) { self$items[[length(self$items) + 1]] <- x; self$extra <- 1; invisible(self) }), lock_objects = FALSE); b <- Box$new(); format.Box <- function(x, ...) stop("format called")');
        const r6 = await changesOf('b$put(1)');
        assert.deepStrictEqual(r6.map((c) => c.changed.map((v) => v.name)), [['b']]);
        assert.match(r6[0].changed[0].summary, /^<environment> <Box> \(\d+ bindings\)$/);
        assert.deepStrictEqual(await changesOf('1 + 1'), [], 'an environment that did not change is not reported');
        await client.run('rm(counter, Box, b, format.Box)');
    });

    it('does not copy objects: a vector modified after the snapshot is modified in place', async () => {
        await client.run('x <- runif(1e6)');
        const out = await client.execute('tracemem(x) -> t; x[1] <- 0; untracemem(x)');
        assert.strictEqual(out.status, 'ok');
        assert.strictEqual(client.textOf(out.executionId), '', 'tracemem reported a copy');
        const again = await client.execute('tracemem(x) -> t; x[2] <- 0; untracemem(x)');
        assert.strictEqual(client.textOf(again.executionId), '');
        await client.run('rm(x, t)');
    });

    it('never forces promises or calls active bindings', async () => {
        const changes = await changesOf(
            'forced <- FALSE; called <- 0\n' +
                'delayedAssign("lazy", { forced <<- TRUE; 1 })\n' +
                'makeActiveBinding("act", function() { called <<- called + 1; 2 }, globalenv())',
        );
        const added = new Map(changes.flatMap((c) => c.added).map((v) => [v.name, v]));
        assert.strictEqual(added.get('lazy')?.type, 'promise');
        assert.strictEqual(added.get('act')?.type, 'active');
        await changesOf('y <- 1');
        const vars = await client.connection.sendRequest(VariablesRequest, {});
        assert.ok(vars.variables.some((v) => v.name === 'lazy'));
        await assert.rejects(client.connection.sendRequest(VariablesRequest, { path: ['lazy'] }), /promise/);
        assert.strictEqual(await client.run('c(forced, called)'), '[1] 0 0\n');
        await client.run('rm(lazy, act, forced, called, y)');
    });

    it('answers top-level variables from its cache, sorted, with paging', async () => {
        await client.run('zeta <- 1; Alpha <- "a"; mid <- list(1)');
        const all = await client.connection.sendRequest(VariablesRequest, {});
        assert.deepStrictEqual(all.variables.map((v) => v.name), ['Alpha', 'mid', 'zeta']);
        assert.strictEqual(all.total, 3);
        const page = await client.connection.sendRequest(VariablesRequest, { start: 1, count: 1 });
        assert.deepStrictEqual(page.variables.map((v) => v.name), ['mid']);
        assert.strictEqual(page.total, 3);
        await client.run('rm(zeta, Alpha, mid)');
    });

    it('lists children lazily and paged: list elements, data.frame columns, environment members, S4 slots', async () => {
        await client.run(
            'lst <- list(a = 1, 2, b = "x"); df <- data.frame(n = 1:3, s = c("a", "b", "c")); ' +
                'env <- new.env(); env$one <- 1; env$two <- "2"; ' +
                'setClass("Box", representation(w = "numeric", h = "numeric")); box <- new("Box", w = 1, h = 2); ' +
                'long <- as.list(1:1000)',
        );
        const top = await client.connection.sendRequest(VariablesRequest, {});
        const df = top.variables.find((v) => v.name === 'df')!;
        assert.deepStrictEqual(df.dim, [3, 2]);
        assert.strictEqual(df.summary, '3 obs. of 2 variables');
        assert.strictEqual(df.hasChildren, true);
        const lst = await client.connection.sendRequest(VariablesRequest, { path: ['lst'] });
        assert.deepStrictEqual(lst.variables.map((v) => v.name), ['a', '[[2]]', 'b']);
        assert.deepStrictEqual(lst.variables[1].path, ['lst', '[[2]]']);
        const cols = await client.connection.sendRequest(VariablesRequest, { path: ['df'] });
        assert.deepStrictEqual(cols.variables.map((v) => `${v.name}:${v.summary}`), ['n:1 2 3', 's:"a" "b" "c"']);
        const members = await client.connection.sendRequest(VariablesRequest, { path: ['env'] });
        assert.deepStrictEqual(members.variables.map((v) => v.name), ['one', 'two']);
        assert.deepStrictEqual(members.variables[0].path, ['env', '$one']);
        const slots = await client.connection.sendRequest(VariablesRequest, { path: ['box'] });
        assert.deepStrictEqual(slots.variables.map((v) => `${v.name}=${v.summary}`), ['w=1', 'h=2']);
        const page = await client.connection.sendRequest(VariablesRequest, { path: ['long'], start: 500, count: 3 });
        assert.strictEqual(page.total, 1000);
        assert.deepStrictEqual(page.variables.map((v) => v.summary), ['501', '502', '503']);
        const nested = await client.connection.sendRequest(VariablesRequest, { path: ['lst', '[[2]]'] });
        assert.deepStrictEqual(nested, { total: 0, variables: [] });
        await assert.rejects(client.connection.sendRequest(VariablesRequest, { path: ['nope'] }), /no variable named 'nope'/);
        await client.run('rm(lst, df, env, box, long)');
    });

    it('describes big objects cheaply (1e7-row data.frame, 1e6-element list)', async () => {
        const t0 = Date.now();
        const changes = await changesOf('bigdf <- data.frame(a = runif(1e7), b = 1:1e7); biglist <- as.list(1:1e6)');
        const added = new Map(changes.flatMap((c) => c.added).map((v) => [v.name, v]));
        assert.deepStrictEqual(added.get('bigdf')?.dim, [1e7, 2]);
        assert.strictEqual(added.get('biglist')?.length, 1e6);
        const cols = await client.connection.sendRequest(VariablesRequest, { path: ['biglist'], start: 0, count: 50 });
        assert.strictEqual(cols.variables.length, 50);
        assert.strictEqual(cols.total, 1e6);
        assert.ok(Date.now() - t0 < 20000);
        await client.run('rm(bigdf, biglist)');
    });

    it('refreshes the whole list on request', async () => {
        await client.run('r1 <- 1');
        const before = client.symbols.length;
        const all = await client.connection.sendRequest(VariablesRequest, { refresh: true });
        assert.ok(all.variables.some((v) => v.name === 'r1'));
        assert.strictEqual(client.symbols[before]?.reset, true);
        await client.run('rm(r1)');
    });
});
