/**
 * The language features (textDocument/completion, /signatureHelp, /hover)
 * and help (r/help, r/showHelp, r/showHelpMatches) with real R, from a raw
 * client: each completion context, signatures and the active parameter,
 * hover text, answers at once while R is busy, nothing forced or called,
 * and R's help pages as HTML.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { HelpMatch, HelpPage, ShowHelpMatchesParams, ShowHelpParams } from '../../common/protocol';
import { clientsPerTest, WireClient } from '../support/wireClient';

interface Item {
    label: string;
    kind?: number;
    detail?: string;
    textEdit?: { newText: string };
}

/** A document the test edits, kept in sync with the server. */
class Doc {
    private version = 1;
    constructor(
        private readonly client: WireClient,
        readonly uri = 'file:///work/analysis.R',
    ) {
        client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'r', version: 1, text: '' } });
    }

    private end(text: string) {
        const lines = text.split('\n');
        return { line: lines.length - 1, character: lines[lines.length - 1].length };
    }

    set(text: string) {
        this.client.notify('textDocument/didChange', { textDocument: { uri: this.uri, version: ++this.version }, contentChanges: [{ text }] });
        return this.end(text);
    }

    async complete(text: string): Promise<Item[]> {
        return (await this.completeList(text)).items;
    }

    /** The whole answer: the items, and whether the list is cut short (the client asks again as the prefix grows). */
    async completeList(text: string): Promise<{ items: Item[]; isIncomplete: boolean }> {
        const position = this.set(text);
        const reply = await this.client.request<{ items: Item[]; isIncomplete: boolean }>('textDocument/completion', { textDocument: { uri: this.uri }, position });
        assert.ok(reply.result, JSON.stringify(reply.error));
        return reply.result;
    }

    close() {
        this.client.notify('textDocument/didClose', { textDocument: { uri: this.uri } });
    }

    async signature(text: string): Promise<{ label: string; active: number } | null> {
        const position = this.set(text);
        const reply = await this.client.request<{ signatures: { label: string }[]; activeParameter: number } | null>('textDocument/signatureHelp', { textDocument: { uri: this.uri }, position });
        return reply.result ? { label: reply.result.signatures[0].label, active: reply.result.activeParameter } : null;
    }

    async hover(text: string, line: number, character: number): Promise<string | null> {
        this.set(text);
        const reply = await this.client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri: this.uri }, position: { line, character } });
        return reply.result?.contents.value ?? null;
    }
}

const labels = (items: Item[]) => items.map((i) => i.label);
const shownMatches = (client: WireClient) => client.notifications.filter((n) => n.method === 'r/showHelpMatches').map((n) => n.params as ShowHelpMatchesParams);

describe('language features and help (real R)', function () {
    this.timeout(90000);
    let dir: string;
    const start = clientsPerTest({ keep: ['r/showHelp', 'r/showHelpMatches', 'r/output'] });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-language-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('advertises completion, hover and signature help with their trigger characters', async () => {
        const client = new WireClient({});
        try {
            const reply = await client.request<{ capabilities: Record<string, unknown> }>('initialize', { processId: null, rootUri: null, capabilities: {} });
            const caps = reply.result!.capabilities;
            assert.strictEqual(caps.textDocumentSync, 2, 'incremental sync');
            assert.strictEqual(caps.hoverProvider, true);
            for (const c of ['$', '@', ':', '(', ',', '[', '"']) assert.ok((caps.completionProvider as { triggerCharacters: string[] }).triggerCharacters.includes(c), c);
            assert.deepStrictEqual((caps.signatureHelpProvider as { triggerCharacters: string[] }).triggerCharacters, ['(', ',']);
        } finally {
            await client.stop();
        }
    });

    it('completes from the live session in every context', async () => {
        fs.writeFileSync(path.join(dir, 'data.csv'), 'a\n1\n');
        fs.mkdirSync(path.join(dir, 'data-raw'));
        const client = await start({ init: { cwd: dir } });
        await client.execute(
            'df <- data.frame(alpha = 1:3, beta = c("x", "y", "z")); my_fun <- function(first, second = 2) NULL\n' +
                'l <- list(key = 1, other = "a"); setClass("Pt", representation(x = "numeric", y = "numeric")); p <- new("Pt", x = 1, y = 2)',
        );
        const doc = new Doc(client);
        const globals = await doc.complete('my');
        const fn = globals.find((i) => i.label === 'my_fun');
        assert.deepStrictEqual([fn?.kind, fn?.detail], [3, 'function']);
        const frame = (await doc.complete('d')).find((i) => i.label === 'df');
        assert.deepStrictEqual([frame?.kind, frame?.detail], [22, 'data.frame [3 × 2]']);
        assert.deepStrictEqual(labels(await doc.complete('df$')), ['alpha', 'beta']);
        assert.deepStrictEqual(labels(await doc.complete('df$be')), ['beta']);
        assert.deepStrictEqual(labels(await doc.complete('l[["')), ['key', 'other']);
        assert.deepStrictEqual(labels(await doc.complete('l$')), ['key', 'other'], 'a plain list');
        assert.ok(labels(await doc.complete('x <- rno')).includes('rnorm'), "an attached package's names");
        assert.deepStrictEqual(labels(await doc.complete('p@')), ['x', 'y']);
        assert.ok(labels(await doc.complete('stats::rno')).includes('rnorm'));
        assert.ok(labels(await doc.complete('stats:::')).length > 100, 'pkg::: lists the namespace');
        assert.ok(labels(await doc.complete('utils::hea')).includes('head'));
        const args = await doc.complete('lm(fo');
        assert.strictEqual(args[0].label, 'formula = ');
        assert.deepStrictEqual(labels(await doc.complete('my_fun(se')).slice(0, 1), ['second = ']);
        assert.ok(labels(await doc.complete('library(ggpl')).includes('ggplot2'));
        assert.ok(labels(await doc.complete('library("tib')).includes('tibble'));
        const required = labels(await doc.complete('require('));
        assert.ok(required.includes('stats') && required.includes('tibble'), 'require( lists the installed packages');
        assert.deepStrictEqual(labels(await doc.complete('read.csv("dat')).sort(), ['data-raw/', 'data.csv']);
        const local = await doc.complete('later_value <- 3\nlater_other = 4\nlater');
        assert.deepStrictEqual(labels(local).filter((l) => l.startsWith('later')).sort(), ['later_other', 'later_value']);
        assert.deepStrictEqual(await doc.complete('x <- 1 # a comment, df$'), [], 'nothing in comments');
    });

    it('says a cut list is incomplete, so that base names come as the prefix grows; arguments first', async () => {
        const client = await start();
        await client.execute('f <- function(alpha, beta) NULL');
        const doc = new Doc(client);
        const empty = await doc.completeList('f(');
        assert.strictEqual(empty.isIncomplete, true, 'hundreds of names match an empty prefix: the list is cut');
        assert.deepStrictEqual(labels(empty.items).slice(0, 2), ['alpha = ', 'beta = ']);
        assert.strictEqual((await doc.completeList('f(1, ')).isIncomplete, true);
        const typed = await doc.completeList('f(pas');
        assert.ok(labels(typed.items).includes('paste'), JSON.stringify(labels(typed.items)));
        assert.strictEqual((await doc.completeList('stats::rno')).isIncomplete, false, 'a short list is complete');
    });

    it('stops at the deadline on huge objects and says the answer is incomplete', async () => {
        const client = await start();
        await client.execute(
            'huge_list <- setNames(as.list(seq_len(1e5)), paste0("n", seq_len(1e5))); huge_env <- list2env(huge_list)\n' +
                // Fewer than 500 members, each slow to describe (200 formals to deparse): only the deadline cuts it.
                'slow_one <- eval(parse(text = sprintf("function(%s) NULL", paste0("a", 1:200, " = c(1, 2, 3)", collapse = ", "))))\n' +
                'slow_list <- setNames(rep(list(slow_one), 400), paste0("f", 1:400))',
        );
        const doc = new Doc(client);
        for (const object of ['huge_list', 'huge_env', 'slow_list']) {
            const t0 = Date.now();
            const answer = await doc.completeList(`${object}$`);
            assert.strictEqual(answer.isIncomplete, true, `${object}$ is marked incomplete`);
            assert.strictEqual(answer.items.length, object === 'slow_list' ? 400 : 500, `${object}$: the names, at most 500`);
            assert.ok(Date.now() - t0 < 5000, `${object}$ answered in ${Date.now() - t0} ms`);
        }
        const slow = await doc.complete('slow_list$');
        assert.ok(slow.filter((i) => i.detail).length < 400, 'the deadline stopped describing the members: the rest come by name');
    });

    it('completes pkg:: and pkg::: of a package that is not loaded, without loading it', async () => {
        const client = await start();
        const loaded = async () => client.textOf((await client.execute('cat("tcltk" %in% loadedNamespaces())')).executionId);
        assert.strictEqual(await loaded(), 'FALSE', 'tcltk is not loaded to begin with');
        const doc = new Doc(client);
        // tcltk exports most of its names by exportPattern() ("^tk", "^tcl…").
        assert.ok(labels(await doc.complete('tcltk::tkbu')).includes('tkbutton'));
        // As getNamespaceExports() has them once tcltk is loaded: the pattern takes `tclvalue<-.tclVar`, not tclvalue.default.
        assert.deepStrictEqual(labels(await doc.complete('tcltk::tclvalue')).sort(), ['tclvalue', 'tclvalue<-', 'tclvalue<-.default', 'tclvalue<-.tclVar']);
        assert.ok(labels(await doc.complete('tcltk::')).length > 200, 'the exports by pattern too');
        assert.ok(labels(await doc.complete('tcltk::addTcl')).includes('addTclPath'), 'the exports by name');
        assert.ok(labels(await doc.complete('tcltk:::tclvalue.d')).includes('tclvalue.default'), 'pkg::: gives the internal names');
        assert.ok(!labels(await doc.complete('tcltk::tclvalue.d')).includes('tclvalue.default'), 'pkg:: does not');
        assert.deepStrictEqual(await doc.complete('no.such.package::'), []);
        assert.strictEqual(await loaded(), 'FALSE', 'completion loaded tcltk');
    });

    it('forgets a closed document: its local names are no longer offered', async () => {
        const client = await start();
        const doc = new Doc(client, 'file:///work/closed.R');
        assert.ok(labels(await doc.complete('closed_local <- 1\nclosed')).includes('closed_local'));
        doc.close();
        const position = { line: 1, character: 6 };
        const after = await client.request<{ items: Item[] }>('textDocument/completion', { textDocument: { uri: doc.uri }, position });
        assert.deepStrictEqual(after.result?.items ?? [], [], 'a closed document is not completed');
        client.notify('textDocument/didOpen', { textDocument: { uri: doc.uri, languageId: 'r', version: 1, text: 'closed' } });
        const reopened = await client.request<{ items: Item[] }>('textDocument/completion', { textDocument: { uri: doc.uri }, position: { line: 0, character: 6 } });
        assert.ok(!labels(reopened.result?.items ?? []).includes('closed_local'), 'the old text is gone');
    });

    it('completes an environment without forcing its promises or calling its active bindings', async () => {
        const client = await start();
        await client.execute(
            'calls <- 0; e <- new.env(); delayedAssign("lazy", { calls <<- calls + 1; 1 }, assign.env = e)\n' +
                'makeActiveBinding("active", function() { calls <<- calls + 1; 2 }, e); e$plain <- 3',
        );
        const doc = new Doc(client);
        assert.deepStrictEqual(labels(await doc.complete('e$')).sort(), ['active', 'lazy', 'plain']);
        await doc.hover('e$lazy', 0, 3);
        await doc.complete('e$lazy$');
        const check = await client.execute('cat(calls, rlang::env_binding_are_lazy(e, "lazy"))');
        assert.strictEqual(client.textOf(check.executionId), '0 TRUE');
    });

    it('gives the signature with the active parameter tracked by commas and names', async () => {
        const client = await start();
        await client.execute('f <- function(a, b = 2, ..., z = "end") NULL');
        const doc = new Doc(client);
        assert.deepStrictEqual(await doc.signature('x <- rnorm('), { label: 'rnorm(n, mean = 0, sd = 1)', active: 0 });
        assert.deepStrictEqual(await doc.signature('rnorm(10, '), { label: 'rnorm(n, mean = 0, sd = 1)', active: 1 });
        assert.deepStrictEqual(await doc.signature('rnorm(10, sd = '), { label: 'rnorm(n, mean = 0, sd = 1)', active: 2 });
        assert.deepStrictEqual(await doc.signature('rnorm(sd = 2, 10'), { label: 'rnorm(n, mean = 0, sd = 1)', active: 0 });
        assert.deepStrictEqual(await doc.signature('f(1, 2, 3, '), { label: 'f(a, b = 2, ..., z = "end")', active: 2 });
        assert.deepStrictEqual(await doc.signature('rnorm(c(1, 2), '), { label: 'rnorm(n, mean = 0, sd = 1)', active: 1 });
        assert.deepStrictEqual(await doc.signature('stats::rnorm(1, '), { label: 'rnorm(n, mean = 0, sd = 1)', active: 1 });
        assert.deepStrictEqual(await doc.signature('print('), { label: 'print(x, ...)', active: 0 }, "a generic's own formals");
        assert.strictEqual(await doc.signature('no_such_function('), null);
        assert.strictEqual(await doc.signature('1 + 2'), null);
    });

    it('describes a variable and a function on hover', async () => {
        const client = await start();
        await client.execute('m <- matrix(1:6, 2); v <- c(10.5, 20.5, 30.5)');
        const doc = new Doc(client);
        assert.match((await doc.hover('m + 1', 0, 0)) ?? '', /^`m`: matrix, array \[2 × 3\]/);
        // Its class, length, size in bytes, and a preview of its values.
        assert.match((await doc.hover('v * 2', 0, 0)) ?? '', /^`v`: numeric \[3\], \d+ B\n\n10\.5 20\.5 30\.5$/);
        const lm = (await doc.hover('fit <- lm(y ~ x)', 0, 8)) ?? '';
        assert.match(lm, /lm\(formula, data, subset/);
        assert.match(lm, /Fitting Linear Models/);
        assert.strictEqual(await doc.hover('unknown_name', 0, 3), null);
    });

    it('answers at once while R is busy: cached globals, nothing that needs R', async () => {
        const client = await start();
        await client.execute('busy_frame <- data.frame(col_a = 1); busy_other <- 2');
        const doc = new Doc(client);
        await doc.complete('busy_frame$');
        // A frame nobody completed yet: the server learns its columns once R has been idle a moment (100 ms) after the change.
        await client.execute('busy_fresh <- data.frame(fresh_a = 1, fresh_b = 2); busy_list <- list(item_x = 1, item_y = "y")');
        await new Promise((resolve) => setTimeout(resolve, 600));
        // A kernel request, served after those the server sent on its own.
        await doc.complete('busy_other');
        const running = client.executeReply({ code: 'Sys.sleep(3)' });
        await client.waitFor(() => client.lastStatus()?.state === 'busy', 5000, 'R to be busy');
        const t0 = Date.now();
        assert.deepStrictEqual(labels(await doc.complete('busy')).sort(), ['busy_frame', 'busy_fresh', 'busy_list', 'busy_other']);
        const members = await doc.completeList('busy_frame$');
        assert.deepStrictEqual(labels(members.items), ['col_a'], 'members learnt before');
        assert.strictEqual(members.isIncomplete, true, 'the client asks again once R is idle');
        assert.deepStrictEqual(labels(await doc.complete('busy_fresh$')), ['fresh_a', 'fresh_b'], 'columns learnt while R was idle');
        assert.deepStrictEqual(labels(await doc.complete('busy_list$')), ['item_x', 'item_y'], 'and the names of a list');
        assert.match((await doc.hover('busy_frame', 0, 3)) ?? '', /^`busy_frame`: data\.frame \[1 × 1\]/, 'hover of a cached global');
        assert.match((await doc.hover('busy_other + 1', 0, 3)) ?? '', /^`busy_other`: numeric \[1\].*\n\n2$/, 'with its preview');
        assert.deepStrictEqual(await doc.complete('stats::rno'), []);
        assert.strictEqual(await doc.signature('nchar('), null);
        assert.ok(Date.now() - t0 < 1000, `answered while R sleeps (${Date.now() - t0} ms)`);
        await running;
        assert.ok(labels(await doc.complete('stats::rno')).includes('rnorm'), 'and from R again once it is idle');
    });

    it('sends help pages as HTML with working links, matches, and nothing for an unknown topic', async () => {
        const client = await start({ init: { helpViewer: true } });
        const lm = (await client.request<HelpPage>('r/help', { topic: 'lm' })).result!;
        assert.deepStrictEqual([lm.topic, lm.package, lm.title], ['lm', 'stats', 'Fitting Linear Models']);
        assert.match(lm.html, /<h3>Arguments<\/h3>/);
        assert.match(lm.html, /href="rhelp:\?topic=formula&amp;package=stats"/);
        assert.match(lm.html, /<pre class="r-example">/);
        assert.doesNotMatch(lm.html, /<script|<link|https?:\/\/cdn/);
        const linked = (await client.request<HelpPage>('r/help', { topic: 'formula', package: 'stats' })).result!;
        assert.strictEqual(linked.title, 'Model Formulae');
        assert.deepStrictEqual((await client.request('r/help', { topic: 'no_such_topic_at_all' })).result, { matches: [] });
        assert.deepStrictEqual((await client.request('r/help', { topic: 'lm', package: 'no.such.package' })).result, { matches: [] }, 'an unknown package');
        assert.deepStrictEqual((await client.request('r/help', { package: 'no.such.package' })).result, { matches: [] });
        // A topic several packages document: the pages to choose from.
        const plot = (await client.request<{ matches: HelpMatch[] }>('r/help', { topic: 'plot' })).result!;
        assert.deepStrictEqual(plot.matches.map((m) => m.package).sort(), ['base', 'graphics']);
        assert.ok(plot.matches.every((m) => m.topic === 'plot' && m.title.length > 0), JSON.stringify(plot.matches));
        const search = (await client.request<{ matches: HelpMatch[] }>('r/help', { query: 'regression' })).result!;
        assert.ok(search.matches.some((m) => m.topic === 'lm' && m.package === 'stats'), 'lm is among the matches for "regression"');
        const packageTopics = (await client.request<{ matches: HelpMatch[] }>('r/help', { package: 'stats' })).result!;
        assert.ok(packageTopics.matches.some((m) => m.topic === 'lm'));
        // ?topic in R code: the page comes before the answer.
        const shown = await client.execute('?rnorm');
        assert.strictEqual(shown.status, 'ok');
        const page = client.notifications.find((n) => n.method === 'r/showHelp')?.params as ShowHelpParams;
        assert.deepStrictEqual([page.title, page.executionId], ['The Normal Distribution', shown.executionId]);
        assert.strictEqual(client.textOf(shown.executionId), '', 'nothing printed');
        // help(topic, package = p) in R code: that package's page.
        const inPackage = await client.execute('help("lm", package = "stats")');
        const lmPage = client.notifications.filter((n) => n.method === 'r/showHelp').map((n) => n.params as ShowHelpParams).find((p) => p.executionId === inPackage.executionId);
        assert.deepStrictEqual([lmPage?.topic, lmPage?.package, lmPage?.title], ['lm', 'stats', 'Fitting Linear Models']);
        // ?plot in R code: base and graphics document it, so the matches to choose from.
        const plotted = await client.execute('?plot');
        const plotMatches = shownMatches(client).find((p) => p.executionId === plotted.executionId);
        assert.deepStrictEqual([plotMatches?.query, plotMatches?.matches.map((m) => m.package).sort()], ['plot', ['base', 'graphics']]);
        assert.strictEqual(client.textOf(plotted.executionId), '', 'nothing printed');
        const searched = await client.execute('??"linear model"');
        const matches = shownMatches(client).find((p) => p.executionId === searched.executionId);
        assert.ok(matches && matches.matches.length > 0);
        // help(package = p): the package's pages to choose from, with their titles.
        const pkg = await client.execute('help(package = "stats")');
        assert.strictEqual(client.textOf(pkg.executionId), '', 'nothing printed');
        const pages = shownMatches(client);
        const listed = pages.find((p) => p.query === 'package:stats');
        assert.ok(listed, JSON.stringify(pages.map((p) => p.query)));
        assert.deepStrictEqual(listed.matches.find((m) => m.topic === 'lm'), { topic: 'lm', package: 'stats', title: 'Fitting Linear Models' });
        const missing = await client.execute('?no_such_topic_at_all');
        assert.match(client.textOf(missing.executionId, 'stderr') + client.textOf(missing.executionId), /No documentation for/);
    });
});
