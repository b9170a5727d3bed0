/**
 * kernel/describe.R and kernel/symbols.R: how values are described for the
 * variables view, that describing never forces a promise nor calls an
 * active binding, which symbols a piece of code may assign, and the
 * changed-symbol bookkeeping over the global environment.
 */
import * as assert from 'assert';
import type { SymbolsChangedParams as Changes, Variable } from '../../common/protocol';
import { KernelCases, runKernelCases } from './kernelR';

describe('kernel tier: describing values and tracking changes (kernel/describe.R, kernel/symbols.R)', function () {
    let r: KernelCases;
    before(async function () {
        this.timeout(60_000);
        r = await runKernelCases({
            dataFrame: String.raw`
                df <- data.frame(a = c(1.5, 2, 3), b = 1:3)
                jsonlite::fromJSON(variable_json(describe_value("df", "df", df)), simplifyVector = FALSE)`,
            summaries: String.raw`
                f <- function(x, y = 2, ...) NULL
                long <- paste(rep("word", 100), collapse = " ")
                list(
                  ints = summarize(1:30),
                  factor = summarize(factor(c("b", "a", NA, "b"))),
                  chars = summarize(c("x", NA)),
                  date = summarize(as.Date("2024-02-29")),
                  empty = summarize(integer(0)),
                  list = summarize(list(1, 2)),
                  fun = summarize(f),
                  primitive = summarize(sum),
                  null = summarize(NULL),
                  env = summarize(list2env(list(a = 1, b = 2))),
                  long = truncate_text(long),
                  lines = truncate_text("a\nb\tc")
                )`,
            json: String.raw`
                s <- json_string(c("say \"hi\"\\", "line\nbreak\ttab", "bell\a", NA))
                list(strings = s, parsed = jsonlite::fromJSON(paste0("[", paste(s, collapse = ","), "]"), simplifyVector = FALSE),
                  number = json_number(1e6), na = json_number(NA), empty = json_array_of_strings(character(0)))`,
            brokenLength: String.raw`
                length.brokenthing <- function(x) stop("no length for you")
                assign("length.brokenthing", length.brokenthing, envir = globalenv())
                registerS3method("length", "brokenthing", length.brokenthing)
                x <- structure(list(1, 2), class = "brokenthing")
                list(length = safe_length(x), plain = safe_length(1:4))`,
            lazyBindings: String.raw`
                k$has_rlang <- TRUE
                env <- new.env()
                flags <- new.env()
                flags$forced <- FALSE
                flags$called <- 0L
                delayedAssign("lazy", { flags$forced <- TRUE; 1 }, assign.env = env)
                makeActiveBinding("active", function() { flags$called <- flags$called + 1L; 2 }, env)
                env$plain <- 3
                kinds <- binding_kinds(env, c("lazy", "active", "plain"))
                list(kinds = as.list(kinds), forced = flags$forced, called = flags$called)`,
            childrenOf: String.raw`
                k$has_rlang <- TRUE
                flags <- new.env()
                flags$forced <- FALSE
                flags$called <- 0L
                e <- new.env()
                delayedAssign("lazy", { flags$forced <- TRUE; 1 }, assign.env = e)
                makeActiveBinding("active", function() { flags$called <- flags$called + 1L; 2 }, e)
                e$plain <- "x"
                assign("e", e, envir = globalenv())
                assign("l", list(a = 1, 2, c = list(3)), envir = globalenv())
                assign("df", data.frame(u = 1:2, v = c("p", "q")), envir = globalenv())
                envKids <- children("e", 0L, 10L)
                page <- children("l", 1L, 1L)
                dfKids <- children("df", 0L, 10L)
                deep <- children(c("l", "[[3]]"), 0L, 10L)
                list(
                  env = lapply(envKids$variables, function(v) list(name = v$name, type = v$type, summary = v$summary, path = as.list(v$path))),
                  pageTotal = page$total, page = lapply(page$variables, function(v) v$name),
                  pagePath = as.list(page$variables[[1]]$path),
                  df = lapply(dfKids$variables, function(v) v$name),
                  deep = deep$variables[[1]]$summary,
                  forced = flags$forced, called = flags$called,
                  missing = tryCatch(children("nope", 0L, 10L), error = function(e) conditionMessage(e))
                )`,
            targets: String.raw`
                code <- paste(
                  "x <- 1", "y[2] <- 3", "4 -> z", "assign('w', 5)", "dt[, a := 1]", "setattr(v, 'n', 1)",
                  "f(q <- 2)", "names(nm) <- 'a'", "m[, 1] <- 0", "g <<- 1", "lst$el$deep <- 1", "print(not_assigned)",
                  sep = "\n")
                exprs <- parse(text = code, keep.source = FALSE)
                one <- function(line) may_assign(parse(text = line, keep.source = FALSE))
                list(
                  found = as.list(sort(assignment_targets(exprs))),
                  none = as.list(assignment_targets(parse(text = "print(1); mean(x)"))),
                  may = vapply(strsplit(code, "\n", fixed = TRUE)[[1L]], one, NA, USE.NAMES = FALSE),
                  mayNot = one("print(1); mean(x); f(y)[2]")
                )`,
            bookkeeping: String.raw`
                k$has_rlang <- TRUE
                g <- globalenv()
                out <- list()
                out["empty"] <- list(reset_snapshot())
                assign("x", c(1, 2, 3), envir = g)
                assign("y", "text", envir = g)
                out$added <- jsonlite::fromJSON(symbol_changes(), simplifyVector = FALSE)
                out["nothing"] <- list(symbol_changes())
                # Changed in place: the address stays, so only naming it as a suspect finds it.
                eval(quote(x[2] <- 20), g)
                out["inPlaceUnnamed"] <- list(symbol_changes())
                eval(quote(x[3] <- 30), g)
                out$inPlaceSuspect <- jsonlite::fromJSON(symbol_changes("x"), simplifyVector = FALSE)
                rm("y", envir = g)
                out$removed <- jsonlite::fromJSON(symbol_changes(), simplifyVector = FALSE)
                flags <- new.env()
                flags$forced <- FALSE
                flags$called <- 0L
                delayedAssign("p", { flags$forced <- TRUE; 1 }, assign.env = g)
                makeActiveBinding("ab", function() { flags$called <- flags$called + 1L; 1 }, g)
                out$special <- jsonlite::fromJSON(symbol_changes(), simplifyVector = FALSE)
                out$forced <- flags$forced
                out$called <- flags$called
                out`,
            withoutRlang: String.raw`
                k$has_rlang <- FALSE
                flags <- new.env()
                flags$called <- 0L
                makeActiveBinding("ab", function() { flags$called <- flags$called + 1L; 1 }, globalenv())
                assign("v", 1:3, envir = globalenv())
                changes <- jsonlite::fromJSON(reset_snapshot(), simplifyVector = FALSE)
                list(types = lapply(changes$added, function(v) paste(v$name, v$type)), called = flags$called)`,
        });
    });

    it('describes a data frame: type, class, dimensions, size, summary, children', () => {
        const v = r.get<Variable>('dataFrame');
        assert.deepStrictEqual(
            { ...v, size: typeof v.size },
            { name: 'df', path: ['df'], type: 'list', class: ['data.frame'], length: 2, dim: [3, 2], size: 'number', summary: '3 obs. of 2 variables', hasChildren: true },
        );
    });

    it('summarizes values the way the variables view shows them', () => {
        const s = r.get<Record<string, string>>('summaries');
        assert.strictEqual(s.ints, '1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 …');
        assert.strictEqual(s.factor, 'Factor w/ 2 levels: b a NA b');
        assert.strictEqual(s.chars, '"x" NA');
        assert.strictEqual(s.date, '2024-02-29');
        assert.strictEqual(s.empty, 'integer(0)');
        assert.strictEqual(s.list, 'List of 2');
        assert.strictEqual(s.fun, 'function (x, y, ...)');
        assert.strictEqual(s.primitive, 'primitive function');
        assert.strictEqual(s.null, 'NULL');
        assert.match(s.env, /^<environment> <environment: 0x[0-9a-f]+> \(2 bindings\)$/);
        assert.strictEqual(s.long.length, 120);
        assert.ok(s.long.endsWith('…'), s.long);
        assert.strictEqual(s.lines, 'a b c');
    });

    it('writes JSON strings by hand that a JSON parser reads back', () => {
        const j = r.get<{ strings: string[]; parsed: (string | null)[]; number: string; na: string; empty: string }>('json');
        assert.deepStrictEqual(j.parsed, ['say "hi"\\', 'line\nbreak\ttab', 'bell?', null]);
        assert.strictEqual(j.number, '1000000');
        assert.strictEqual(j.na, 'null');
        assert.strictEqual(j.empty, '[]');
    });

    it('survives a length() method that fails', () => {
        assert.deepStrictEqual(r.get('brokenLength'), { length: null, plain: 4 });
    });

    it('tells promises and active bindings apart without forcing or calling them', () => {
        const b = r.get<{ kinds: number[]; forced: boolean; called: number }>('lazyBindings');
        assert.deepStrictEqual(b.kinds, [1, 2, 0]);
        assert.strictEqual(b.forced, false, 'the promise was forced');
        assert.strictEqual(b.called, 0, 'the active binding was called');
    });

    it('lists children of environments, lists and data frames, paged, with their paths', () => {
        const c = r.get<{
            env: { name: string; type: string; summary: string; path: string[] }[];
            pageTotal: number;
            page: string[];
            pagePath: string[];
            df: string[];
            deep: string;
            forced: boolean;
            called: number;
            missing: string;
        }>('childrenOf');
        assert.deepStrictEqual(c.env, [
            { name: 'active', type: 'active', summary: '<active binding>', path: ['e', '$active'] },
            { name: 'lazy', type: 'promise', summary: '<promise: not yet evaluated>', path: ['e', '$lazy'] },
            { name: 'plain', type: 'character', summary: '"x"', path: ['e', '$plain'] },
        ]);
        assert.strictEqual(c.pageTotal, 3);
        assert.deepStrictEqual(c.page, ['[[2]]']);
        assert.deepStrictEqual(c.pagePath, ['l', '[[2]]']);
        assert.deepStrictEqual(c.df, ['u', 'v']);
        assert.strictEqual(c.deep, '3');
        assert.strictEqual(c.forced, false);
        assert.strictEqual(c.called, 0);
        assert.strictEqual(c.missing, "no variable named 'nope'");
    });

    it('finds every symbol a piece of code may assign, and none in code without assignments', () => {
        const t = r.get<{ found: string[]; none: string[]; may: boolean[]; mayNot: boolean }>('targets');
        assert.deepStrictEqual(t.found, ['dt', 'g', 'lst', 'm', 'nm', 'q', 'v', 'w', 'x', 'y', 'z']);
        assert.deepStrictEqual(t.none, []);
        // The quick check that lets code without assignments skip the walk:
        // every line above but the last may assign.
        assert.deepStrictEqual(t.may, [...Array(11).fill(true), false]);
        assert.strictEqual(t.mayNot, false);
    });

    it('reports added, changed (in place, when named) and removed globals, and nothing when nothing changed', () => {
        const b = r.get<{
            empty: null;
            added: Changes;
            nothing: null;
            inPlaceUnnamed: null;
            inPlaceSuspect: Changes;
            removed: Changes;
            special: Changes;
            forced: boolean;
            called: number;
        }>('bookkeeping');
        assert.strictEqual(b.empty, null, 'an empty global environment is no change');
        assert.deepStrictEqual(b.added.added.map((v) => v.name).sort(), ['x', 'y']);
        assert.deepStrictEqual([b.added.changed, b.added.removed], [[], []]);
        assert.strictEqual(b.nothing, null);
        assert.strictEqual(b.inPlaceUnnamed, null, 'an in-place change keeps the address');
        assert.deepStrictEqual(b.inPlaceSuspect.changed.map((v) => [v.name, v.summary]), [['x', '1 20 30']]);
        assert.deepStrictEqual(b.removed, { added: [], changed: [], removed: ['y'] });
        assert.deepStrictEqual(b.special.added.map((v) => [v.name, v.type]).sort(), [['ab', 'active'], ['p', 'promise']]);
        assert.strictEqual(b.forced, false, 'the snapshot forced a promise');
        assert.strictEqual(b.called, 0, 'the snapshot called an active binding');
    });

    it('without rlang still never calls an active binding', () => {
        const w = r.get<{ types: string[]; called: number }>('withoutRlang');
        assert.deepStrictEqual(w.types.sort(), ['ab active', 'v integer']);
        assert.strictEqual(w.called, 0);
    });
});
