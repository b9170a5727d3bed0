/**
 * The VS Code benchmark (`npm run bench:vscode`): R Bridge in code-server and
 * headless Chromium, measured the way a person meets it. Writes
 * bench/vscode.md and prints a summary.
 *
 *  1. Activation to an idle kernel: the extension host is restarted with no
 *     R file open (so nothing activates R Bridge on its own), the probe calls
 *     `activate()` on the extension, and the time runs until the API's
 *     kernelReady() resolves, i.e. R is started and idle.
 *  2. Ctrl+Enter on a line `1+1` to `[1] 2` visible in the R console: the
 *     key press and the new terminal row are both timed inside the page
 *     (a capturing keydown listener, a MutationObserver on the terminal's
 *     rows, then the next animation frame, when the row is painted). The
 *     extension host's own view of the same run (execution start, the
 *     output written to the console) comes from the probe's event times.
 *
 *  3. Ctrl+Enter on a line `plot(1:10)` to the plot visible in the Plots
 *     view, the view already open beside the editor: the key press is timed
 *     in the page as above, the picture's paint in the view's own frame
 *     (the webview's page) by the browser's Element Timing API (the
 *     presentation time of the first frame that shows the new picture). The
 *     extension host's view of the same runs (execution started, r/plot
 *     received, answered, the view's report that it showed the picture)
 *     comes from the probe, the picture's load and decode from the frame.
 *  4. The first plot, which opens the view: the same, once, with the paint
 *     read from the new frame's Largest Contentful Paint entry.
 *  5. A scatter plot of 200,000 points, a few times: time to visible, and
 *     whether the page, the view and the extension host stay responsive
 *     (an animation frame, a probe round trip) right after the picture
 *     arrives.
 *  6. `n` typed at R's browser prompt (`Browse[1]> ` in the console) to the
 *     editor's highlight of the line R runs next moved to the next line:
 *     the Enter key and the highlight's new place in the editor's DOM are
 *     timed inside the page as in 2 (a MutationObserver on the editor),
 *     then the next animation frame; the extension host's view (R stopped
 *     again, the highlight set) comes from the probe.
 *
 * Medians over 20 runs (15 for plots) after warm-up runs; every process is
 * stopped at the end, and a hard deadline stops a stuck run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { machineTable, writtenBy } from './common';
import { Machine, describeMachine } from './machine';
import { fmt, median, percentile } from '../test/support/stats';
import type { Frame } from 'playwright-core';
import { ProbeConnection, ProbeEvent, ROOT, Session, Workbench, armDeadline, sleep } from '../test/e2e/harness';

const RUNS = Number(process.env.RBRIDGE_BENCH_RUNS ?? 20);
const WARMUP = 3;
const ACTIVATION_RUNS = Number(process.env.RBRIDGE_BENCH_ACTIVATIONS ?? 10);
const TARGET_KEY_TO_VISIBLE_MS = 100;
const PLOT_RUNS = Number(process.env.RBRIDGE_BENCH_PLOT_RUNS ?? 15);
const PLOT_WARMUP = 3;
const TARGET_PLOT_VISIBLE_MS = 300;
const SCATTER_RUNS = Number(process.env.RBRIDGE_BENCH_SCATTER_RUNS ?? 3);
const SCATTER_LINE = 'plot(rnorm(2e5), rnorm(2e5), pch = ".")';
/** "Does not freeze": an animation frame or a probe round trip right after the picture arrives comes within this. */
const RESPONSIVE_MS = 100;
const PLOTS_FILE = 'bench-plots.R';
const BROWSE_RUNS = Number(process.env.RBRIDGE_BENCH_BROWSE_RUNS ?? 20);
const BROWSE_WARMUP = 3;
const TARGET_BROWSE_STEP_MS = 100;
const BROWSE_FILE = 'bench-browse.R';
const RESULTS = path.join(ROOT, 'bench', 'vscode.md');

/**
 * Installed in the page before the workbench loads. It records when Ctrl+Enter
 * goes down and when a terminal row reading exactly `[1] 2` first appears
 * after that (in the DOM, and at the next frame, once painted). Times are
 * epoch milliseconds (timeOrigin + now), comparable with the probe's.
 */
const PAGE_SCRIPT = `
(() => {
    // Playwright runs init scripts in every frame; this one is for the workbench's page only.
    if (window !== window.top) return;
    const now = () => performance.timeOrigin + performance.now();
    // Tasks of 50 ms or more on the page's main thread (the plots' responsiveness check); null where not supported.
    const longTasks = () => (PerformanceObserver.supportedEntryTypes.includes('longtask') ? [] : null);
    const state = { keyAt: 0, domAt: 0, paintAt: 0, observed: null, longTasks: longTasks() };
    window.__rbBench = state;
    state.reset = () => { state.keyAt = 0; state.domAt = 0; state.paintAt = 0; state.longTasks = longTasks(); };
    if (state.longTasks) {
        new PerformanceObserver((list) => {
            for (const e of list.getEntries()) state.longTasks.push({ startAt: performance.timeOrigin + e.startTime, duration: e.duration });
        }).observe({ type: 'longtask' });
    }
    document.addEventListener('keydown', (e) => {
        if (e.ctrlKey && e.key === 'Enter' && !state.keyAt) state.keyAt = now();
    }, true);
    const check = (rows) => {
        if (!state.keyAt || state.domAt) return;
        for (const row of rows.children) {
            if (row.textContent.replace(/\\u00a0/g, ' ').trim() === '[1] 2') {
                state.domAt = now();
                requestAnimationFrame(() => { state.paintAt = now(); });
                return;
            }
        }
    };
    // The terminal's rows element appears once the console opens; observe it
    // (and only it, to keep the measurement cheap) from then on.
    const attach = () => {
        const rows = document.querySelector('.part.panel .terminal-wrapper.active .xterm-rows');
        if (!rows || rows === state.observed) return;
        state.observed = rows;
        new MutationObserver(() => check(rows)).observe(rows, { childList: true, subtree: true, characterData: true });
    };
    setInterval(attach, 200);

    // R's browser: the line of the editor that carries an extension's
    // whole-line decoration (R Bridge's highlight of the line R runs next,
    // the only one in the window): Monaco draws it as a .cdr element of a
    // "ced-" class in the line's overlay, whose top is that of the line's
    // number in the margin. 0: none on screen.
    const highlightedLine = () => {
        for (const editor of document.querySelectorAll('.part.editor .monaco-editor')) {
            const d = editor.querySelector('.view-overlays .cdr[class*="ced-"]');
            if (!d) continue;
            for (const row of editor.querySelectorAll('.margin-view-overlays > div')) {
                if (row.style.top !== d.parentElement.style.top) continue;
                const n = row.querySelector('.line-numbers');
                return n ? Number(n.textContent.trim()) : -1;
            }
            return -1;
        }
        return 0;
    };
    const browse = { expected: 0, keyAt: 0, domAt: 0, paintAt: 0, observer: null };
    state.browse = browse;
    state.highlightedLine = highlightedLine;
    const checkBrowse = () => {
        if (!browse.keyAt || browse.domAt || highlightedLine() !== browse.expected) return;
        browse.domAt = now();
        requestAnimationFrame(() => { browse.paintAt = now(); });
    };
    // Armed before each Enter: the highlight is expected on line \`expected\` (1-based) next.
    state.browseReset = (expected) => {
        browse.expected = expected; browse.keyAt = 0; browse.domAt = 0; browse.paintAt = 0;
        if (!browse.observer) {
            browse.observer = new MutationObserver(checkBrowse);
            browse.observer.observe(document.querySelector('.part.editor'), { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['style', 'class'] });
        }
    };
    document.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && !e.ctrlKey && !e.shiftKey && browse.expected && !browse.keyAt && e.target.closest && e.target.closest('.terminal-wrapper')) browse.keyAt = now();
    }, true);
})();
`;

interface PageTimes {
    keyAt: number;
    domAt: number;
    paintAt: number;
}

/**
 * Evaluated in the Plots view's page (the webview's frame) once the view is
 * open; it stays open, so this runs once. For every picture the plot's
 * <img> loads it records the load, when img.decode() resolves (decoded,
 * ready to paint) and the next animation frame; through the Element Timing
 * API (the `elementtiming` attribute, set before the first timed load) it
 * records when the browser painted the new picture: `renderTime`, the
 * presentation time of the first frame that shows it. Long tasks (50 ms and
 * more) on the view's main thread too. Epoch milliseconds, as in the page.
 */
const FRAME_SCRIPT = `
(() => {
    if (window.__rbPlot) return 'already';
    const img = document.getElementById('plot');
    if (!img) return 'the view has no #plot';
    const now = () => performance.timeOrigin + performance.now();
    const longTasks = () => (PerformanceObserver.supportedEntryTypes.includes('longtask') ? [] : null);
    const s = { loads: [], painted: [], longTasks: longTasks() };
    s.reset = () => { s.loads = []; s.painted = []; s.longTasks = longTasks(); };
    s.take = () => ({ loads: s.loads, painted: s.painted, longTasks: s.longTasks });
    window.__rbPlot = s;
    img.setAttribute('elementtiming', 'rbridge-plot');
    img.addEventListener('load', () => {
        const entry = { plotId: img.dataset.plotId || '', loadAt: now(), decodedAt: 0, frameAt: 0, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight };
        s.loads.push(entry);
        requestAnimationFrame(() => { entry.frameAt = now(); });
        // Rejects when the picture was replaced before it was decoded.
        img.decode().then(() => { entry.decodedAt = now(); }, () => { entry.decodedAt = -1; });
    });
    new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
            if (e.identifier !== 'rbridge-plot') continue;
            s.painted.push({ renderAt: e.renderTime ? performance.timeOrigin + e.renderTime : 0, loadAt: performance.timeOrigin + e.loadTime, naturalWidth: e.naturalWidth, naturalHeight: e.naturalHeight });
        }
    }).observe({ type: 'element' });
    if (s.longTasks) {
        new PerformanceObserver((list) => {
            for (const e of list.getEntries()) s.longTasks.push({ startAt: performance.timeOrigin + e.startTime, duration: e.duration });
        }).observe({ type: 'longtask' });
    }
    return 'ok';
})()
`;

/**
 * The first plot opens the view: its frame does not exist before the key
 * press, so nothing can be installed in it in time. The browser keeps the
 * frame's Largest Contentful Paint entries (no input reaches the frame, so
 * they go on being recorded); the first entry for the <img id="plot"> is
 * the first paint of the first picture, with its load time.
 */
const FIRST_PAINT_SCRIPT = `
new Promise((resolve) => {
    const out = [];
    try {
        new PerformanceObserver((list) => {
            for (const e of list.getEntries()) {
                out.push({ id: e.id, renderAt: e.renderTime ? performance.timeOrigin + e.renderTime : 0, loadAt: e.loadTime ? performance.timeOrigin + e.loadTime : 0, size: e.size });
            }
        }).observe({ type: 'largest-contentful-paint', buffered: true });
    } catch (e) { resolve(out); return; }
    // Buffered entries are delivered on a later task.
    setTimeout(() => resolve(out), 200);
})
`;

/** Milliseconds from now to the next animation frame, measured inside a page or frame. */
const FRAME_DELAY_SCRIPT = `
new Promise((resolve) => { const t = performance.now(); requestAnimationFrame(() => resolve(performance.now() - t)); })
`;

interface PlotLoad {
    plotId: string;
    loadAt: number;
    decodedAt: number;
    frameAt: number;
    naturalWidth: number;
    naturalHeight: number;
}

interface PlotPaint {
    renderAt: number;
    loadAt: number;
    naturalWidth: number;
    naturalHeight: number;
}

interface LongTask {
    startAt: number;
    duration: number;
}

/** One run of a line that draws a plot, with the view open: epoch milliseconds, from the page, the view's frame and the probe. */
interface PlotRun {
    keyAt: number;
    plotId: string;
    started?: number;
    /** The first plots.onDidChange: the extension took in r/plot. */
    received?: number;
    answered: number;
    /** plots.onDidShowImage: the view told the extension that the picture loaded. */
    shownExt: number;
    load?: PlotLoad;
    paint?: PlotPaint;
    /** The paint (Element Timing), or else the animation frame after the load. */
    visibleAt: number;
    /** The longest task of 50 ms or more on each main thread (0: none; NaN: the browser does not report them). */
    longestPageTask: number;
    longestViewTask: number;
    /** Right after the view reported the picture (scatter runs only): page and view frame delays, probe round trip. */
    responsiveness?: { pageFrame: number; viewFrame: number; probeRoundTrip: number };
}

interface PlotResults {
    first?: {
        visible: number;
        loaded?: number;
        started?: number;
        received?: number;
        answered: number;
        shownExt: number;
        /** The first picture at the view's size (the first may come at the remembered or default size). */
        atViewSize?: number;
    };
    runs: PlotRun[];
    scatter: PlotRun[];
    /** The view frame's clock minus the page's, and how precisely that is known. */
    skew?: { skew: number; uncertainty: number };
}

/** One `n` at the browser prompt: epoch milliseconds, from the page and the probe. */
interface BrowseRun {
    keyAt: number;
    domAt: number;
    paintAt: number;
    /** browser.onDidStop: R stopped at the next line (the extension took in r/input). */
    stopped?: number;
    /** browser.onDidHighlight: the extension set the highlight on the editor. */
    highlighted?: number;
}

interface Row {
    measure: string;
    median: number;
    p90: number;
    min: number;
    max: number;
    n: number;
    target?: string;
    verdict?: string;
}

function summarize(measure: string, values: number[], target?: { max: number; text: string }): Row {
    const m = median(values);
    return {
        measure,
        median: m,
        p90: percentile(values, 90),
        min: Math.min(...values),
        max: Math.max(...values),
        n: values.length,
        target: target?.text,
        verdict: target ? (m <= target.max ? 'met' : 'NOT MET') : undefined,
    };
}

async function measureActivation(session: Session, log: (s: string) => void): Promise<{ activate: number[]; toIdle: number[] }> {
    const activate: number[] = [];
    const toIdle: number[] = [];
    for (let i = 0; i < ACTIVATION_RUNS + 1; i++) {
        // A new, empty folder each time: a new window and extension host, with
        // no editors to restore, so nothing activates R Bridge on its own.
        const folder = path.join(session.runDir, `activation-${i}`);
        fs.mkdirSync(folder);
        const before = session.probeServer!.count;
        await session.openFolder(folder);
        const probe = await session.probe(before, 60_000);
        const info = await probe.request<{ isActive: boolean }>('extension');
        if (info.isActive) {
            log(`activation run ${i}: R Bridge was already active; not counted`);
            continue;
        }
        const activation = await probe.request<{ start: number; end: number }>('activate', {}, 60_000);
        const ready = await probe.request<{ end: number }>('call', { name: 'kernelReady' }, 60_000);
        // The first run pays for reading the bundle from disk: warm-up.
        if (i === 0) continue;
        activate.push(activation.end - activation.start);
        toIdle.push(ready.end - activation.start);
        log(`activation run ${i}: activate() ${fmt(activation.end - activation.start)} ms, to idle ${fmt(ready.end - activation.start)} ms`);
    }
    return { activate, toIdle };
}

async function measureKeypress(
    session: Session,
    wb: Workbench,
    log: (s: string) => void,
): Promise<{ visible: number[]; dom: number[]; started: number[]; answered: number[]; written: number[] }> {
    const page = session.page;
    const before = session.probeServer!.count;
    await session.openFolder(session.workspace);
    await wb.ready();
    const probe = await session.probe(before, 60_000);
    await wb.openFile('bench.R');
    await probe.request('activate', {}, 60_000);
    await probe.request('call', { name: 'kernelReady' }, 60_000);
    await wb.goToLine(1);
    const visible: number[] = [];
    const dom: number[] = [];
    const started: number[] = [];
    const answered: number[] = [];
    const written: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
        // An empty console, so that the new `[1] 2` row is the only one.
        await probe.request('executeCommand', { name: 'workbench.action.terminal.clear' });
        await wb.waitFor(() => wb.terminalText(), (t) => !t.includes('[1] 2'), 'the console to be cleared', 5_000);
        await page.evaluate('window.__rbBench.reset()');
        const from = probe.events.length;
        await page.keyboard.press('Control+Enter');
        await page.waitForFunction('window.__rbBench.paintAt > 0', undefined, { timeout: 10_000 });
        const times = (await page.evaluate('({ keyAt: __rbBench.keyAt, domAt: __rbBench.domAt, paintAt: __rbBench.paintAt })')) as PageTimes;
        const done = await probe.waitForEvent((e) => e.event === 'onDidExecute', 10_000, 'the execution to be answered', from);
        const start = probe.events.slice(from).find((e) => e.event === 'onDidStartExecution');
        const write = probe.events.slice(from).find((e) => e.event === 'console.onDidWrite' && String(e.data).includes('[1] 2'));
        const status = (done.data as { result?: { status?: string } }).result?.status;
        if (status !== 'ok') throw new Error(`run ${i}: 1+1 ended with status ${status}`);
        if (i < WARMUP) continue;
        visible.push(times.paintAt - times.keyAt);
        dom.push(times.domAt - times.keyAt);
        if (start) started.push(start.time - times.keyAt);
        answered.push(done.time - times.keyAt);
        if (write) written.push(write.time - times.keyAt);
        log(`keypress run ${i - WARMUP + 1}: visible after ${fmt(times.paintAt - times.keyAt)} ms (DOM ${fmt(times.domAt - times.keyAt)} ms)`);
        // Let the console settle (the prompt after the output) before the next press.
        await sleep(150);
    }
    await wb.screenshot('bench-vscode-keypress');
    return { visible, dom, started, answered, written };
}

/**
 * The lines of the plots file: the first plot (it opens the view), then one
 * line per run, then the scatter plots. Every run draws a new plot whose
 * picture no earlier run had: `plot(1:10)` with the run's number as its
 * title. (Pictures that come again, as when `plot(1:10)` and `plot(10:1)`
 * alternate, are the same data: URI, which the browser may keep decoded
 * from the last time; a new plot's never is.)
 */
function plotLines(): { first: string; runs: string[]; scatter: string[] } {
    return {
        first: 'plot(1:10)',
        runs: Array.from({ length: PLOT_WARMUP + PLOT_RUNS }, (_, i) => `plot(1:10, main = "${i < PLOT_WARMUP ? `Warm-up ${i + 1}` : `Run ${i - PLOT_WARMUP + 1}`}")`),
        scatter: Array.from({ length: SCATTER_RUNS }, () => SCATTER_LINE),
    };
}

function plotsFileText(): string {
    const lines = plotLines();
    return [lines.first, ...lines.runs, ...lines.scatter].join('\n') + '\n';
}

function shownId(e: ProbeEvent): string | undefined {
    return (e.data as { plotId?: string } | undefined)?.plotId;
}

/** Checks the execution's answer: it ran `line` and ended well. */
function checkAnswer(done: ProbeEvent, line: string): void {
    const record = done.data as { request?: { code?: string }; result?: { status?: string } };
    if (record.result?.status !== 'ok') throw new Error(`${line} ended with status ${record.result?.status}`);
    const code = record.request?.code?.trim();
    if (code !== undefined && code !== line) throw new Error(`expected Ctrl+Enter to run ${line}, it ran ${code}`);
}

/** The Plots view's page: the webview frame that has the history strip. */
function plotsFrame(wb: Workbench): Promise<Frame> {
    return wb.webviewFrame('#thumbs', 'the Plots view');
}

/** The view frame's clock minus the page's (both epoch milliseconds), from the tightest of a few brackets. */
async function clockSkew(session: Session, frame: Frame): Promise<{ skew: number; uncertainty: number }> {
    const clock = 'performance.timeOrigin + performance.now()';
    let best = { skew: NaN, uncertainty: Infinity };
    for (let i = 0; i < 7; i++) {
        const before = (await session.page.evaluate(clock)) as number;
        const inFrame = (await frame.evaluate(clock)) as number;
        const after = (await session.page.evaluate(clock)) as number;
        if ((after - before) / 2 < best.uncertainty) best = { skew: inFrame - (before + after) / 2, uncertainty: (after - before) / 2 };
    }
    return best;
}

/**
 * Polls an expression in a frame until it is true or the time is up; says
 * which. (Not frame.waitForFunction: it evaluates its predicate with eval,
 * which the view's Content-Security-Policy forbids; frame.evaluate goes
 * through the debugger protocol, which the policy does not govern.)
 */
async function pollFrame(frame: Frame, expression: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await frame.evaluate(expression)) return true;
        if (Date.now() > deadline) return false;
        await sleep(25);
    }
}

/**
 * One Ctrl+Enter on a line that draws a plot, with the view open and
 * instrumented (FRAME_SCRIPT); the cursor must be on `line`. Resolves when
 * the new picture is painted and the execution answered.
 */
async function runPlotLine(
    session: Session,
    frame: Frame,
    probe: ProbeConnection,
    line: string,
    previousId: string | undefined,
    options: { timeoutMs: number; responsiveness?: boolean },
): Promise<PlotRun> {
    const page = session.page;
    await page.evaluate('window.__rbBench.reset()');
    await frame.evaluate('window.__rbPlot.reset()');
    const from = probe.events.length;
    await page.keyboard.press('Control+Enter');
    const shown = await probe.waitForEvent(
        (e) => e.event === 'plots.onDidShowImage' && shownId(e) !== previousId,
        options.timeoutMs,
        `the plot of ${line} to be shown`,
        from,
    );
    let responsiveness: PlotRun['responsiveness'];
    if (options.responsiveness) {
        // Right after the picture arrived: the next animation frame of the
        // workbench's page and of the view, and a round trip to the
        // extension host, all at once.
        const t = performance.now();
        const [pageFrame, viewFrame, probeRoundTrip] = await Promise.all([
            page.evaluate(FRAME_DELAY_SCRIPT) as Promise<number>,
            frame.evaluate(FRAME_DELAY_SCRIPT) as Promise<number>,
            probe.request('now').then(() => performance.now() - t),
        ]);
        responsiveness = { pageFrame, viewFrame, probeRoundTrip };
    }
    const done = await probe.waitForEvent((e) => e.event === 'onDidExecute', options.timeoutMs, `${line} to be answered`, from);
    checkAnswer(done, line);
    // The paint is reported once the frame showing it is presented; the decode and the animation frame after the load come about then too.
    await pollFrame(
        frame,
        'window.__rbPlot.painted.length > 0 && window.__rbPlot.loads.length > 0 && window.__rbPlot.loads.every((l) => l.frameAt > 0 && l.decodedAt !== 0)',
        5_000,
    );
    const keyAt = (await page.evaluate('window.__rbBench.keyAt')) as number;
    if (!keyAt) throw new Error(`the page saw no Ctrl+Enter for ${line}`);
    const pageTasks = (await page.evaluate('window.__rbBench.longTasks')) as LongTask[] | null;
    const record = (await frame.evaluate('window.__rbPlot.take()')) as { loads: PlotLoad[]; painted: PlotPaint[]; longTasks: LongTask[] | null };
    const plotId = shownId(shown) ?? '';
    const load = record.loads.find((l) => l.plotId === plotId) ?? record.loads[0];
    // (A paint of the picture before, reported late, has an earlier load.)
    const paint = record.painted.find((p) => p.renderAt > 0 && p.loadAt >= keyAt);
    const visibleAt = paint?.renderAt ?? load?.frameAt;
    if (!visibleAt) throw new Error(`the view's frame saw no picture of ${line} (loads ${JSON.stringify(record.loads)}, paints ${JSON.stringify(record.painted)})`);
    const events = probe.events.slice(from);
    // NaN: the browser does not report long tasks.
    const longest = (tasks: LongTask[] | null) => (tasks ? Math.max(0, ...tasks.filter((t) => t.startAt + t.duration >= keyAt).map((t) => t.duration)) : NaN);
    return {
        keyAt,
        plotId,
        started: events.find((e) => e.event === 'onDidStartExecution')?.time,
        received: events.find((e) => e.event === 'plots.onDidChange')?.time,
        answered: done.time,
        shownExt: shown.time,
        load,
        paint,
        visibleAt,
        longestPageTask: longest(pageTasks),
        longestViewTask: longest(record.longTasks),
        responsiveness,
    };
}

/**
 * Ctrl+Enter on `plot(1:10)` to the plot visible in the Plots view: the
 * first plot (which opens the view beside the editor), PLOT_RUNS runs with
 * the view open after PLOT_WARMUP warm-up runs, then the scatter plots of
 * 200,000 points. In the window of the keypress measure, after it.
 */
async function measurePlots(session: Session, wb: Workbench, log: (s: string) => void, results: PlotResults): Promise<void> {
    const page = session.page;
    const probe = await session.probe(session.probeServer!.count - 1);
    const lines = plotLines();
    await wb.openFile(PLOTS_FILE);
    await wb.goToLine(1);

    // The first plot: the view opens beside the editor.
    await page.evaluate('window.__rbBench.reset()');
    const from = probe.events.length;
    await page.keyboard.press('Control+Enter');
    const firstShown = await probe.waitForEvent((e) => e.event === 'plots.onDidShowImage', 30_000, 'the first plot to be shown', from);
    const firstDone = await probe.waitForEvent((e) => e.event === 'onDidExecute', 30_000, 'the first plot to be answered', from);
    checkAnswer(firstDone, lines.first);
    const frame = await plotsFrame(wb);
    const firstPaints = (await frame.evaluate(FIRST_PAINT_SCRIPT)) as { id: string; renderAt: number; loadAt: number; size: number }[];
    const keyAt = (await page.evaluate('window.__rbBench.keyAt')) as number;
    if (!keyAt) throw new Error('the page saw no Ctrl+Enter for the first plot');
    const firstPaint = firstPaints.find((p) => p.id === 'plot' && p.renderAt > 0);
    log(`first plot: largest contentful paints ${JSON.stringify(firstPaints.map((p) => ({ ...p, renderAt: p.renderAt - keyAt, loadAt: p.loadAt - keyAt })))}`);

    // The view measures its plot area and R draws the plot again at that
    // size (if the size it had was not that one): the runs start once the
    // picture on screen fits the view.
    const sizeOf = (v: unknown) => v as { width?: number; height?: number; pixelRatio?: number } | undefined;
    const fits = (shown: unknown, size: unknown) =>
        sizeOf(shown)?.width === sizeOf(size)?.width && sizeOf(shown)?.height === sizeOf(size)?.height && sizeOf(shown)?.pixelRatio === sizeOf(size)?.pixelRatio;
    const settled = await wb.waitFor(
        async () => {
            const [shown, size] = await Promise.all([
                probe.request<{ value: unknown }>('call', { name: 'plots.shown' }),
                probe.request<{ value: unknown }>('call', { name: 'plots.viewSize' }),
            ]);
            return { shown: shown.value, size: size.value };
        },
        (v) => fits(v.shown, v.size),
        'the first plot drawn at the view size',
        20_000,
    );
    const firstEvents = probe.events.slice(from);
    const after = (event: ProbeEvent | undefined) => (event ? event.time - keyAt : undefined);
    results.first = {
        visible: (firstPaint?.renderAt ?? firstShown.time) - keyAt,
        loaded: firstPaint?.loadAt ? firstPaint.loadAt - keyAt : undefined,
        started: after(firstEvents.find((e) => e.event === 'onDidStartExecution')),
        received: after(firstEvents.find((e) => e.event === 'plots.onDidChange')),
        answered: firstDone.time - keyAt,
        shownExt: firstShown.time - keyAt,
        atViewSize: after(firstEvents.find((e) => e.event === 'plots.onDidShowImage' && fits(e.data, settled.size))),
    };
    if (!firstPaint) log('first plot: no paint entry for the picture; the view\'s own report (onDidShowImage) is used instead');
    log(`first plot: visible after ${fmt(results.first.visible)} ms (view size ${JSON.stringify(settled.size)}, at that size after ${fmt(results.first.atViewSize)} ms)`);
    await sleep(500);

    const installed = await frame.evaluate(FRAME_SCRIPT);
    if (installed !== 'ok') throw new Error(`could not instrument the Plots view: ${String(installed)}`);
    results.skew = await clockSkew(session, frame);
    log(`the view's clock minus the page's: ${fmt(results.skew.skew)} ± ${fmt(results.skew.uncertainty)} ms`);

    // The runs, the view open. The line after the first one.
    await wb.goToLine(2);
    let previousId = shownId(firstShown);
    for (let i = 0; i < lines.runs.length; i++) {
        const run = await runPlotLine(session, frame, probe, lines.runs[i], previousId, { timeoutMs: 30_000 });
        previousId = run.plotId;
        const label = i < PLOT_WARMUP ? `plot warm-up ${i + 1}` : `plot run ${i - PLOT_WARMUP + 1}`;
        log(
            `${label} (${lines.runs[i]}): visible after ${fmt(run.visibleAt - run.keyAt)} ms (r/plot ${fmt((run.received ?? NaN) - run.keyAt)}, ` +
                `loaded ${fmt((run.load?.loadAt ?? NaN) - run.keyAt)}, painted ${run.paint ? 'by Element Timing' : 'n/a: frame after load'})`,
        );
        if (i >= PLOT_WARMUP) results.runs.push(run);
        // Let the view settle (the history strip, the thumbnail) before the next press.
        await sleep(300);
    }
    await wb.screenshot('bench-vscode-plots');

    // 200,000 points, a few times.
    await wb.goToLine(2 + lines.runs.length);
    for (let i = 0; i < lines.scatter.length; i++) {
        const run = await runPlotLine(session, frame, probe, lines.scatter[i], previousId, { timeoutMs: 120_000, responsiveness: true });
        previousId = run.plotId;
        results.scatter.push(run);
        const r = run.responsiveness!;
        log(
            `scatter run ${i + 1}: visible after ${fmt(run.visibleAt - run.keyAt)} ms; right after: page frame ${fmt(r.pageFrame)} ms, view frame ${fmt(r.viewFrame)} ms, ` +
                `probe round trip ${fmt(r.probeRoundTrip)} ms; longest task page ${fmt(run.longestPageTask)} ms, view ${fmt(run.longestViewTask)} ms`,
        );
        await sleep(500);
    }
    await wb.screenshot('bench-vscode-scatter');
}

/** The browser file: a function whose every line after browser() is one step, then the call. */
function browseFileText(): string {
    const steps = Array.from({ length: BROWSE_WARMUP + BROWSE_RUNS + 2 }, (_, i) => `  x <- ${i + 1}`);
    return ['bench_stepper <- function() {', '  browser()', ...steps, '}', 'bench_stepper()', ''].join('\n');
}

/**
 * `n` at R's browser prompt to the editor's highlight on the next line:
 * bench-browse.R is run with Ctrl+Shift+Enter, R stops at browser() (line
 * 2), the console has the focus, and each run types `n` and Enter there.
 * In the window of the other measures, after them.
 */
async function measureBrowse(session: Session, wb: Workbench, log: (s: string) => void): Promise<BrowseRun[]> {
    const page = session.page;
    const probe = await session.probe(session.probeServer!.count - 1);
    await wb.openFile(BROWSE_FILE);
    let from = probe.events.length;
    await page.keyboard.press('Control+Shift+Enter');
    await probe.waitForEvent((e) => e.event === 'browser.onDidHighlight' && (e.data as { line?: number } | undefined)?.line === 1, 30_000, 'the highlight on browser()', from);
    await wb.waitFor(() => page.evaluate('window.__rbBench.highlightedLine()') as Promise<number>, (line) => line === 2, 'line 2 highlighted in the editor', 10_000);
    // The console keeps the keyboard at each stop; made sure of once.
    await probe.request('executeCommand', { name: 'workbench.action.terminal.focus' });
    await page.locator('.part.panel .terminal-wrapper.active .xterm.focus').waitFor({ timeout: 10_000 });
    const runs: BrowseRun[] = [];
    for (let i = 0; i < BROWSE_WARMUP + BROWSE_RUNS; i++) {
        // Line i + 2 (1-based) is highlighted now (browser() is line 2); `n` moves it one down.
        const expected = i + 3;
        await page.evaluate(`window.__rbBench.browseReset(${expected})`);
        from = probe.events.length;
        await page.keyboard.type('n');
        await page.keyboard.press('Enter');
        await page.waitForFunction('window.__rbBench.browse.paintAt > 0', undefined, { timeout: 10_000 });
        const times = (await page.evaluate('({ keyAt: __rbBench.browse.keyAt, domAt: __rbBench.browse.domAt, paintAt: __rbBench.browse.paintAt })')) as PageTimes;
        const highlighted = await probe.waitForEvent(
            (e) => e.event === 'browser.onDidHighlight' && (e.data as { line?: number } | undefined)?.line === expected - 1,
            10_000,
            `the highlight on line ${expected}`,
            from,
        );
        const stopped = probe.events.slice(from).find((e) => e.event === 'browser.onDidStop');
        if (i >= BROWSE_WARMUP) runs.push({ ...times, stopped: stopped?.time, highlighted: highlighted.time });
        log(`browse ${i < BROWSE_WARMUP ? `warm-up ${i + 1}` : `run ${i - BROWSE_WARMUP + 1}`}: highlight on line ${expected} painted after ${fmt(times.paintAt - times.keyAt)} ms (DOM ${fmt(times.domAt - times.keyAt)} ms, set by the extension ${fmt(highlighted.time - times.keyAt)} ms)`);
        // The console's prompt comes with the stop; a moment for it to be drawn before the next key.
        await sleep(150);
    }
    await wb.screenshot('bench-vscode-browse');
    // c: R runs to the end and leaves the browser.
    from = probe.events.length;
    await page.keyboard.type('c');
    await page.keyboard.press('Enter');
    await probe.waitForEvent((e) => e.event === 'onDidExecute', 30_000, 'the browsed run to end', from);
    return runs;
}

/** The rows of the browser measure. */
function browseRows(runs: BrowseRun[]): Row[] {
    if (!runs.length) return [];
    const since = (at: (r: BrowseRun) => number | undefined) => runs.map((r) => (at(r) ?? NaN) - r.keyAt).filter((v) => Number.isFinite(v));
    return [
        summarize('`n` at a browser prompt → the editor highlight moved (painted)', since((r) => r.paintAt), {
            max: TARGET_BROWSE_STEP_MS,
            text: `≤ ${TARGET_BROWSE_STEP_MS} ms`,
        }),
        summarize('`n` → the highlight on the next line in the editor DOM', since((r) => r.domAt)),
        summarize('`n` → R stopped at the next line (r/input in the extension host)', since((r) => r.stopped)),
        summarize('`n` → the highlight set on the editor (extension host)', since((r) => r.highlighted)),
    ].filter((row) => row.n > 0);
}

/** The rows of the plot measures. */
function plotRows(results: PlotResults): Row[] {
    const rows: Row[] = [];
    const add = (measure: string, values: number[], target?: { max: number; text: string }) => {
        if (values.length) rows.push(summarize(measure, values, target));
    };
    // "Does not freeze": every run must be within the limit, not only the median.
    const addResponsive = (measure: string, values: number[]) => {
        if (!values.length) return;
        const row = summarize(measure, values);
        row.target = `≤ ${RESPONSIVE_MS} ms (every run)`;
        row.verdict = row.max <= RESPONSIVE_MS ? 'met' : 'NOT MET';
        rows.push(row);
    };
    const since = (runs: PlotRun[], at: (r: PlotRun) => number | undefined) =>
        runs
            .map((r) => {
                const t = at(r);
                return t === undefined || t <= 0 ? NaN : t - r.keyAt;
            })
            .filter((v) => Number.isFinite(v));
    const runs = results.runs;
    add('Ctrl+Enter on `plot(1:10)` → plot visible in the Plots view (view open)', since(runs, (r) => r.visibleAt), {
        max: TARGET_PLOT_VISIBLE_MS,
        text: `≤ ${TARGET_PLOT_VISIBLE_MS} ms`,
    });
    add('Plot: Ctrl+Enter → execution started (extension host)', since(runs, (r) => r.started));
    add('Plot: Ctrl+Enter → r/plot received by the extension (extension host)', since(runs, (r) => r.received));
    add('Plot: Ctrl+Enter → execution answered (extension host)', since(runs, (r) => r.answered));
    add('Plot: Ctrl+Enter → picture loaded in the view (img load)', since(runs, (r) => r.load?.loadAt));
    add('Plot: Ctrl+Enter → picture decoded in the view (img.decode())', since(runs, (r) => r.load?.decodedAt));
    add('Plot: Ctrl+Enter → next animation frame after the load', since(runs, (r) => r.load?.frameAt));
    add('Plot: Ctrl+Enter → the view reports it shown (onDidShowImage, extension host)', since(runs, (r) => r.shownExt));
    const first = results.first;
    if (first) {
        add('Ctrl+Enter on `plot(1:10)` → first plot visible, opening the Plots view', [first.visible]);
        if (first.atViewSize !== undefined) add('First plot: → the view reports it shown at the view size (extension host)', [first.atViewSize]);
    }
    const scatter = results.scatter;
    add('Ctrl+Enter on a 200,000-point scatter plot → visible (view open)', since(scatter, (r) => r.visibleAt));
    add('Scatter: Ctrl+Enter → r/plot received by the extension', since(scatter, (r) => r.received));
    addResponsive('Scatter: picture loaded in the view → its next animation frame', scatter.filter((r) => r.load && r.load.frameAt > 0).map((r) => r.load!.frameAt - r.load!.loadAt));
    addResponsive('Scatter: right after the view reported it shown → next animation frame, workbench page', scatter.map((r) => r.responsiveness!.pageFrame));
    addResponsive('Scatter: right after the view reported it shown → next animation frame, Plots view', scatter.map((r) => r.responsiveness!.viewFrame));
    addResponsive('Scatter: right after the view reported it shown → probe round trip (extension host)', scatter.map((r) => r.responsiveness!.probeRoundTrip));
    // 0: no task of 50 ms or more.
    add("Scatter: longest task (≥ 50 ms) on the workbench page's main thread during the run; 0: none", scatter.map((r) => r.longestPageTask).filter(Number.isFinite));
    add("Scatter: longest task (≥ 50 ms) on the Plots view's main thread during the run; 0: none", scatter.map((r) => r.longestViewTask).filter(Number.isFinite));
    return rows;
}

/**
 * Where the time between the key press and the painted row goes, from the
 * medians of the same runs (so the parts add up only roughly).
 */
function breakdown(rows: Row[]): string[] {
    const at = (prefix: string) => rows.find((r) => r.measure.startsWith(prefix))?.median;
    const started = at('Ctrl+Enter → execution started');
    const answered = at('Ctrl+Enter → execution answered');
    const written = at('Ctrl+Enter → `[1] 2` written');
    const dom = at('Ctrl+Enter → `[1] 2` in the terminal DOM');
    const visible = at('Ctrl+Enter on `1+1`');
    if ([started, answered, written, dom, visible].some((v) => v === undefined)) return [];
    const part = (what: string, from: number, to: number) => `| ${what} | ${fmt(to - from)} ms |`;
    return [
        '### Where the time goes (differences of the medians above)',
        '',
        '| Step | Time |',
        '|---|---|',
        part('Key press → the extension starts the execution (keybinding, command, workbench → extension host)', 0, started!),
        // The output comes before the execution's answer, and the console
        // writes it on the next turn of the event loop after a quiet
        // period: the answer is no step on the way to the screen.
        part("→ R runs it and the output reaches the console's terminal (server, R, the console's write)", started!, written!),
        part('→ the row is in the terminal DOM (extension host → page, xterm.js)', written!, dom!),
        part('→ painted (the next animation frame)', dom!, visible!),
        '',
        `The execution's answer reaches the extension host ${fmt(answered! - started!)} ms after it started (medians).`,
        '',
    ];
}

/** Where the time between the key press and the painted plot goes, from the medians of the plot runs. */
function plotBreakdown(rows: Row[], results: PlotResults): string[] {
    const at = (prefix: string) => rows.find((r) => r.measure.startsWith(prefix))?.median;
    const started = at('Plot: Ctrl+Enter → execution started');
    const received = at('Plot: Ctrl+Enter → r/plot received');
    const answered = at('Plot: Ctrl+Enter → execution answered');
    const loaded = at('Plot: Ctrl+Enter → picture loaded');
    const decoded = at('Plot: Ctrl+Enter → picture decoded');
    const shownExt = at('Plot: Ctrl+Enter → the view reports');
    const visible = at('Ctrl+Enter on `plot(1:10)` → plot visible');
    const out: string[] = [];
    if (![started, received, loaded, visible].some((v) => v === undefined)) {
        const part = (what: string, from: number, to: number) => `| ${what} | ${fmt(to - from)} ms |`;
        out.push(
            '### Where the time of a plot goes (differences of the medians above, view open)',
            '',
            '| Step | Time |',
            '|---|---|',
            part('Key press → the extension starts the execution', 0, started!),
            part('→ r/plot reaches the extension (R draws the plot, the kernel makes the PNG at the view size, server → extension)', started!, received!),
            part("→ the picture is loaded in the view (extension → webview message, the page's `<img>` takes the data: URI)", received!, loaded!),
            ...(decoded !== undefined ? [part('(→ decoded: `img.decode()` resolved)', loaded!, decoded)] : []),
            part('→ painted and presented (Element Timing)', loaded!, visible!),
            '',
        );
        if (answered !== undefined) out.push(`The execution's answer reaches the extension host ${fmt(answered - received!)} ms after r/plot (medians).`);
        if (shownExt !== undefined) out.push(`The view's report that it showed the picture (\`onDidShowImage\`) reaches the extension host ${fmt(shownExt - loaded!)} ms after the load.`);
        out.push('');
    }
    const all = [...results.runs, ...results.scatter];
    const unpainted = all.filter((r) => !r.paint).length;
    if (unpainted) out.push(`Element Timing reported no paint for ${unpainted} of ${all.length} runs; those count the animation frame after the load as visible.`, '');
    const f = results.first;
    if (f) {
        out.push(
            `The first plot, which opens the view (one run): execution started ${fmt(f.started)} ms, r/plot received ${fmt(f.received)} ms, ` +
                `answered ${fmt(f.answered)} ms, picture loaded in the new view ${fmt(f.loaded)} ms, painted ${fmt(f.visible)} ms, ` +
                `reported shown to the extension ${fmt(f.shownExt)} ms after the key press` +
                (f.atViewSize !== undefined && f.atViewSize > f.shownExt + 1 ? `; drawn again at the view's size and shown ${fmt(f.atViewSize)} ms after it.` : '.'),
            '',
        );
    }
    return out;
}

function report(m: Machine, rows: Row[], plots: { rows: Row[]; results?: PlotResults }, browse: Row[], seconds: number, incomplete?: string): string {
    const line = (r: Row) =>
        `| ${r.measure} | ${fmt(r.median)} ms | ${fmt(r.p90)} ms | ${fmt(r.min)}–${fmt(r.max)} ms | ${r.n} | ${r.target ?? '—'} | ${r.verdict === 'NOT MET' ? '**NOT MET**' : r.verdict ?? 'info'} |`;
    const header = ['| Measure | Median | p90 | Range | Runs | Target | Verdict |', '|---|---|---|---|---|---|---|'];
    const skew = plots.results?.skew;
    return [
        '# VS Code benchmark',
        '',
        `${writtenBy('npm run bench:vscode', 'bench/vscode.ts', m.date)} Run time ${fmt(seconds)} s.`,
        `Other processes on the machine add noise: compare the load average below with the ${m.cores} cores.`,
        incomplete ? `\n**Incomplete run: ${incomplete}**\n` : '',
        'R Bridge in code-server 4.100.3 (VS Code 1.100.3, web workbench, Node extension host) in headless Debian Chromium,',
        'driven by playwright-core; the extension in development mode from this checkout.',
        '',
        // The date is in the first line; this table has no Date row.
        ...machineTable(m, { date: false }),
        '## Results',
        '',
        ...header,
        ...rows.map(line),
        '',
        ...breakdown(rows),
        ...(plots.rows.length ? ['## Plots', '', ...header, ...plots.rows.map(line), '', ...(plots.results ? plotBreakdown(plots.rows, plots.results) : [])] : []),
        ...(browse.length ? ["## R's browser", '', ...header, ...browse.map(line), ''] : []),
        '## How it is measured',
        '',
        '- **Activation to idle kernel**: each run opens a new, empty folder in the page, which gives a new window and',
        '  a new extension host with no editors to restore, so nothing activates R Bridge on its own (the web',
        '  workbench has no "Restart Extension Host"); the probe extension then calls `activate()` on it and awaits',
        "  the API's `kernelReady()`. From the call to the resolution, both timed in the extension host. The first run",
        '  pays for reading the bundle from disk and is not counted.',
        '- **Ctrl+Enter to visible output**: `bench.R` holds lines of `1+1`; before each run the console is cleared; the',
        '  page records the keydown of Ctrl+Enter (capturing listener, before VS Code sees it) and the first terminal row',
        '  reading `[1] 2` (a MutationObserver on the DOM-rendered rows), then the next animation frame, when that row is',
        `  painted: that is "visible". ${WARMUP} warm-up runs are not counted.`,
        '- The extension host rows come from the probe (the same runs): when the execution started and when the console',
        '  was given `[1] 2`, against the keydown time. The page and the extension host are separate processes on the',
        '  same clock (epoch milliseconds from `performance.timeOrigin + performance.now()`).',
        `- **Ctrl+Enter to a plot visible in the Plots view**: in the same window, after the console runs, \`${PLOTS_FILE}\``,
        '  holds `plot(1:10)`, then one line per run, `plot(1:10, main = "Run 7")`: every run draws a new plot whose',
        '  picture no earlier run had (a picture that comes again is the same `data:` URI, which the browser may still',
        "  hold decoded; a new plot's never is), then the scatter plots. The first line opens the view beside the",
        `  editor; the runs start once the picture on screen was drawn at the view's size, and ${PLOT_WARMUP} warm-up runs are`,
        '  not counted. The key press is timed in the workbench\'s page as above. "Visible" is timed in the view\'s own',
        "  frame (the webview's page, reached with Playwright's `page.frames()`): the plot's `<img>` carries an",
        '  `elementtiming` attribute, and the browser\'s Element Timing entry for each new picture gives `renderTime`, the',
        '  presentation time of the first frame that shows it (more faithful than the view\'s own report, which it sends',
        "  on the image's `load`, before the paint, and which reaches the extension host later still; both are listed).",
        '  The same frame records the `load` of the `<img>`, when `img.decode()` resolves and the next animation frame',
        '  after the load (the console measure\'s notion of painted). From the probe: execution started, the first',
        '  `plots.onDidChange` (the extension has taken in r/plot: it fires in the same turn), execution answered,',
        '  `plots.onDidShowImage`.',
        '- **The first plot** (one run, no warm-up: it is the first plot of the window) has no frame to instrument before',
        '  the key press; its paint is the frame\'s first Largest Contentful Paint entry for the `<img>` (its `renderTime`',
        '  and `loadTime`), read once the view has reported the picture. The view may draw the plot again at its measured',
        '  size after that (the size is remembered between sessions; this profile is new): listed separately.',
        `- **200,000 points**: \`${SCATTER_LINE}\`, ${SCATTER_RUNS} runs, the view open. Right after the view reports the`,
        '  picture shown (`onDidShowImage` at the probe), the benchmark asks at once for the next animation frame of the',
        "  workbench's page and of the view's frame and for a round trip to the extension host through the probe; the",
        "  view's frame also times its own next animation frame after the picture's load. Each must come within",
        `  ${RESPONSIVE_MS} ms in every run ("does not freeze"). Long tasks (50 ms or more, the Long Tasks API) on both main`,
        '  threads during each run are listed for information.',
        `- **\`n\` at a browser prompt**: \`${BROWSE_FILE}\` holds a function with \`browser()\` and then one line per step; it`,
        "  is run with Ctrl+Shift+Enter, R stops at `browser()` and the console (which has the focus) shows `Browse[1]> `.",
        '  Each run types `n` and presses Enter there: the page records the keydown of Enter in the terminal and the moment',
        "  the editor's DOM shows R Bridge's line highlight (the whole-line decoration, the only extension decoration in",
        "  the window) on the next line (a MutationObserver on the editor part), then the next animation frame: that is",
        `  "moved". ${BROWSE_WARMUP} warm-up runs are not counted. From the probe: \`browser.onDidStop\` (R stopped, the extension has`,
        "  the r/input) and `browser.onDidHighlight` (the extension set the decoration).",
        skew
            ? `- The view's frame and the workbench's page are timed on the same clock; measured, the frame's clock is ${fmt(skew.skew)} ms ahead of the page's (± ${fmt(skew.uncertainty)} ms).`
            : '',
        '',
    ].join('\n');
}

async function main(): Promise<number> {
    const started = Date.now();
    // Described now: its load average is the one at the start.
    const machine = describeMachine();
    const lines: string[] = [];
    const log = (s: string) => {
        lines.push(s);
        process.stdout.write(`${s}\n`);
    };
    armDeadline(15 * 60_000);
    const session = await Session.start({
        name: 'bench-vscode',
        workspaceFiles: {
            'bench.R': Array.from({ length: WARMUP + RUNS + 20 }, () => '1+1').join('\n') + '\n',
            [PLOTS_FILE]: plotsFileText(),
            [BROWSE_FILE]: browseFileText(),
        },
        initScript: PAGE_SCRIPT,
    });
    const stop = (code: number) => void session.close().finally(() => process.exit(code));
    process.once('SIGINT', () => stop(130));
    process.once('SIGTERM', () => stop(143));
    const wb = new Workbench(session.page, session.log);
    const rows: Row[] = [];
    const plots: { rows: Row[]; results: PlotResults } = { rows: [], results: { runs: [], scatter: [] } };
    let browse: BrowseRun[] = [];
    let incomplete: string | undefined;
    try {
        await wb.ready();
        const activation = await measureActivation(session, log);
        rows.push(summarize('Activation → kernel idle (activate() called → kernelReady() resolved)', activation.toIdle));
        rows.push(summarize('of which activate() itself', activation.activate));
        const keys = await measureKeypress(session, wb, log);
        rows.push(
            summarize('Ctrl+Enter on `1+1` → `[1] 2` visible in the R console', keys.visible, {
                max: TARGET_KEY_TO_VISIBLE_MS,
                text: `≤ ${TARGET_KEY_TO_VISIBLE_MS} ms`,
            }),
        );
        rows.push(summarize('Ctrl+Enter → `[1] 2` in the terminal DOM', keys.dom));
        if (keys.started.length) rows.push(summarize('Ctrl+Enter → execution started (extension host)', keys.started));
        rows.push(summarize('Ctrl+Enter → execution answered (extension host)', keys.answered));
        if (keys.written.length) rows.push(summarize('Ctrl+Enter → `[1] 2` written to the console (extension host)', keys.written));
        await measurePlots(session, wb, log, plots.results);
        browse = await measureBrowse(session, wb, log);
    } catch (error) {
        incomplete = error instanceof Error ? error.message : String(error);
        log(`bench:vscode: ${incomplete}`);
    } finally {
        await session.close();
    }
    // What was measured, also of an incomplete run.
    plots.rows = plotRows(plots.results);
    const browseTable = browseRows(browse);
    fs.writeFileSync(RESULTS, report(machine, rows, plots, browseTable, (Date.now() - started) / 1000, incomplete));
    log('');
    for (const r of [...rows, ...plots.rows, ...browseTable]) log(`${r.measure}: median ${fmt(r.median)} ms, p90 ${fmt(r.p90)} ms (${r.n} runs)${r.verdict ? ` — ${r.verdict}` : ''}`);
    log(`written to ${path.relative(ROOT, RESULTS)}`);
    return incomplete ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        process.stderr.write(`bench:vscode: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
        process.exit(2);
    },
);
