/**
 * kernel/language.R without rlang: completion and hover tell a promise
 * from a value with base R (substitute() in an environment other than the
 * global one), so that neither forces one; with rlang, binding_kinds()
 * tells (test/server/language.test.ts, with real R and rlang).
 */
import * as assert from 'assert';
import { KernelCases, runKernelCases } from './kernelR';

describe('kernel tier: completion and hover without rlang (kernel/language.R)', function () {
    let r: KernelCases;
    before(async function () {
        this.timeout(60_000);
        r = await runKernelCases({
            withoutRlang: String.raw`
                k$has_rlang <- FALSE
                on.exit(k$has_rlang <- TRUE)
                flags <- new.env()
                flags$forced <- 0L
                flags$called <- 0L
                e <- new.env()
                delayedAssign("lazy", { flags$forced <- flags$forced + 1L; list(inner = 1) }, assign.env = e)
                delayedAssign("constant", 1, assign.env = e)
                makeActiveBinding("active", function() { flags$called <- flags$called + 1L; 2 }, e)
                e$plain <- list(inner = 3)
                e$quoted <- quote(a + b)
                assign("e", e, envir = globalenv())
                deadline <- proc.time()[["elapsed"]] + 10
                members <- complete_members(e, "$", "", deadline)
                list(
                  kinds = as.list(lookup_kinds(e, c("lazy", "constant", "active", "plain", "quoted"))),
                  package = lookup_kinds(as.environment("package:stats"), "rnorm"),
                  lazy = is.null(lookup_object("e$lazy")),
                  lazyInner = is.null(lookup_object("e$lazy$inner")),
                  plain = lookup_object("e$plain$inner"),
                  members = vapply(members$items, function(i) i$label, ""),
                  rnorm = complete_names("rnorm", deadline)$items[[1L]]$kind,
                  forced = flags$forced,
                  called = flags$called
                )`,
        });
    });

    it('never forces a promise of an environment nor calls an active binding; reads plain values', () => {
        const w = r.get<{ kinds: number[]; package: number; lazy: boolean; lazyInner: boolean; plain: number; members: string[]; rnorm: string; forced: number; called: number }>('withoutRlang');
        // A promise of a constant is a value to read (forcing it runs no code); a value that is a call is taken for a promise.
        assert.deepStrictEqual(w.kinds, [1, 0, 2, 0, 1]);
        assert.strictEqual(w.package, 1, "an attached package's lazy-loaded object is a promise");
        assert.deepStrictEqual([w.lazy, w.lazyInner, w.plain], [true, true, 3]);
        assert.deepStrictEqual(w.members.sort(), ['active', 'constant', 'lazy', 'plain', 'quoted']);
        assert.strictEqual(w.rnorm, 'function');
        assert.deepStrictEqual([w.forced, w.called], [0, 0]);
    });
});
