/**
 * The Help panel's page: renders what the extension tells it to show (a
 * help page, a list of matches, a sentence) and says what the user did.
 * Links to other help pages (`rhelp:?topic=…&package=…`) go to the
 * extension, which asks R; links out of R's help are opened by VS Code;
 * each example block gets a Run example button.
 *
 * The help page's HTML comes from R (tools::Rd2HTML), and a package's Rd
 * may hold raw HTML: it is parsed inert (DOMParser runs nothing) and
 * sanitized before it joins the page (no script, style, frame or form; no
 * event handler or style attribute; no javascript: link), on top of the
 * page's Content-Security-Policy, which would block them anyway.
 */
import { exampleCode } from '../../src/help/examples';
import type { FromHelp, HelpMatch, HelpShown, HelpView, ToHelp } from '../../src/help/protocol';
import { byId, webviewApi } from '../webviewApi';

/** Kept by VS Code while the tab is hidden (the page itself is rebuilt): what was typed in the search box. */
interface PageState {
    search?: string;
}

const vscode = webviewApi<FromHelp, PageState>();
const post = (message: FromHelp) => vscode.post(message);

const back = byId<HTMLButtonElement>('back');
const forward = byId<HTMLButtonElement>('forward');
const searchForm = byId<HTMLFormElement>('searchForm');
const search = byId<HTMLInputElement>('search');
const searchWords = byId<HTMLButtonElement>('searchWords');
const where = byId('where');
const progress = byId('progress');
const notice = byId('notice');
const content = byId('content');

/** The entry on screen (its id, from the extension). */
let currentId = 0;

// ---------------------------------------------------------------------------
// Rendering

const REMOVED_ELEMENTS = 'script, style, link, meta, base, iframe, frame, frameset, object, embed, applet, form, noscript, template';
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'background']);

/** R's HTML, parsed without running anything, and cleaned of what a help page has no business holding. */
function sanitized(html: string): DocumentFragment {
    const doc = new DOMParser().parseFromString(`<!DOCTYPE html><html><body>${html}</body></html>`, 'text/html');
    for (const element of Array.from(doc.body.querySelectorAll(REMOVED_ELEMENTS))) element.remove();
    for (const element of Array.from(doc.body.querySelectorAll('*'))) {
        for (const attribute of Array.from(element.attributes)) {
            const name = attribute.name.toLowerCase();
            if (name.startsWith('on') || name === 'style' || name === 'srcset') element.removeAttribute(attribute.name);
            else if (URL_ATTRIBUTES.has(name) && /^\s*(javascript|vbscript|data:text\/html)/i.test(attribute.value)) element.removeAttribute(attribute.name);
        }
    }
    // Pictures: only data: URIs can show (the CSP allows nothing else a help page would name); others say what they were.
    for (const img of Array.from(doc.body.querySelectorAll('img'))) {
        if (/^data:image\//i.test(img.getAttribute('src') ?? '')) continue;
        const alt = img.getAttribute('alt');
        const note = doc.createElement('span');
        note.className = 'missing-image';
        note.textContent = alt ? `[${alt}]` : '';
        img.replaceWith(note);
    }
    const fragment = document.createDocumentFragment();
    fragment.append(...Array.from(doc.body.childNodes).map((node) => document.importNode(node, true)));
    return fragment;
}

/** The topic and package of an `rhelp:` link (a package's own link has no topic). */
function rhelpTarget(href: string): { topic?: string; package?: string } | undefined {
    if (!/^rhelp:/i.test(href)) return undefined;
    const params = new URLSearchParams(href.slice(href.indexOf('?') + 1));
    const topic = params.get('topic') || undefined;
    const pkg = params.get('package') || undefined;
    if (!topic && !pkg) return undefined;
    return { ...(topic ? { topic } : {}), ...(pkg ? { package: pkg } : {}) };
}

function renderPage(view: Extract<HelpView, { kind: 'page' }>): void {
    content.replaceChildren(sanitized(view.html));
    content.classList.add('rd');
    // R's header line ("lm {stats}   R Documentation").
    const header = Array.from(content.querySelectorAll('table')).find((t) => /R Documentation/.test(t.textContent ?? ''));
    header?.classList.add('rd-header');
    for (const a of Array.from(content.querySelectorAll<HTMLAnchorElement>('a[href]'))) {
        const target = rhelpTarget(a.getAttribute('href') ?? '');
        if (!target) continue;
        a.classList.add('rhelp');
        if (target.topic) a.dataset.topic = target.topic;
        if (target.package) a.dataset.package = target.package;
        a.title = target.topic ? (target.package ? `${target.topic} {${target.package}}` : target.topic) : `The help pages of ${target.package}`;
    }
    for (const pre of examples()) {
        const run = button('play', 'Run example', 'Run this example in the R console');
        run.classList.add('run-example');
        run.addEventListener('click', () => post({ type: 'runExample', code: exampleCode(pre.textContent ?? '') }));
        const bar = element('div', 'example-bar', run);
        const box = element('div', 'example');
        pre.replaceWith(box);
        box.append(bar, pre);
    }
    where.textContent = `${view.topic} {${view.package}}`;
}

/** The example blocks: `pre.r-example`, or the code under an Examples heading from a server that does not mark them. */
function examples(): HTMLElement[] {
    const marked = Array.from(content.querySelectorAll<HTMLElement>('pre.r-example'));
    if (marked.length) return marked;
    const heading = Array.from(content.querySelectorAll('h3')).find((h) => h.textContent?.trim() === 'Examples');
    let next = heading?.nextElementSibling;
    while (next && next.tagName !== 'PRE' && next.tagName !== 'H3') next = next.nextElementSibling;
    return next?.tagName === 'PRE' ? [next as HTMLElement] : [];
}

function renderMatches(view: Extract<HelpView, { kind: 'matches' }>): void {
    content.classList.remove('rd');
    const table = element('table', 'matches');
    table.setAttribute('aria-label', view.heading);
    const head = element('tr', undefined, element('th', undefined, 'Topic'), element('th', undefined, 'Package'), element('th', undefined, 'Title'));
    table.append(element('thead', undefined, head));
    const body = element('tbody');
    view.matches.forEach((match: HelpMatch) => {
        const link = element('a', 'match', match.topic);
        link.setAttribute('href', `rhelp:?topic=${encodeURIComponent(match.topic)}&package=${encodeURIComponent(match.package)}`);
        link.dataset.topic = match.topic;
        link.dataset.package = match.package;
        body.append(element('tr', undefined, element('td', undefined, link), element('td', 'package', match.package), element('td', undefined, match.title)));
    });
    table.append(body);
    content.replaceChildren(element('h2', 'list-heading', view.heading), table);
    where.textContent = '';
}

function renderMessage(view: Extract<HelpView, { kind: 'message' }>): void {
    content.classList.remove('rd');
    const children: Node[] = [element('p', 'message', view.text)];
    if (view.searchWords) {
        const words = view.searchWords;
        const offer = button('search', `Search the help pages for ‘${words}’`);
        offer.classList.add('text-button');
        offer.addEventListener('click', () => post({ type: 'search', text: words, words: true }));
        children.push(element('p', undefined, offer));
    }
    content.replaceChildren(...children);
    where.textContent = '';
}

function show(message: Extract<ToHelp, { type: 'show' }>): void {
    currentId = message.id;
    back.disabled = !message.canBack;
    forward.disabled = !message.canForward;
    hideNotice();
    const view = message.view;
    if (view.kind === 'page') renderPage(view);
    else if (view.kind === 'matches') renderMatches(view);
    else renderMessage(view);
    document.title = view.kind === 'page' ? `R Help: ${view.topic}` : 'R Help';
    window.scrollTo(0, message.scrollY);
    const shown: HelpShown = {
        kind: view.kind,
        title: view.kind === 'page' ? view.title : view.kind === 'matches' ? view.heading : view.text,
        headings: Array.from(content.querySelectorAll('h3')).map((h) => h.textContent?.trim() ?? ''),
        links: content.querySelectorAll('a.rhelp').length,
        examples: content.querySelectorAll('.run-example').length,
        matches: content.querySelectorAll('a.match').length,
    };
    if (view.kind === 'page') {
        shown.topic = view.topic;
        shown.package = view.package;
    }
    post({ type: 'shown', id: message.id, shown });
}

// ---------------------------------------------------------------------------
// Notices: what is on its way, and what failed

function hideNotice(): void {
    notice.hidden = true;
    notice.textContent = '';
    notice.classList.remove('error');
}

function busy(text: string | undefined): void {
    progress.hidden = text === undefined;
    if (text === undefined) {
        if (!notice.classList.contains('error')) hideNotice();
        return;
    }
    notice.classList.remove('error');
    notice.textContent = text;
    notice.hidden = false;
}

function error(text: string): void {
    progress.hidden = true;
    notice.textContent = text;
    notice.classList.add('error');
    notice.hidden = false;
}

// ---------------------------------------------------------------------------
// Elements

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    if (className) e.className = className;
    e.append(...children);
    return e;
}

function button(icon: string, label: string, title = label): HTMLButtonElement {
    const b = element('button', 'labelled', element('span', `codicon codicon-${icon}`), element('span', undefined, label));
    b.type = 'button';
    b.title = title;
    return b;
}

// ---------------------------------------------------------------------------
// What the user does

// Links are handled here, before VS Code's own handling of links in
// webviews (which would try to open `rhelp:` as an address): rhelp: goes to
// the extension, an anchor in the page scrolls, a web or mail address goes
// to VS Code to open, anything else does nothing.
window.addEventListener(
    'click',
    (event) => {
        const a = (event.target as Element | null)?.closest?.('a');
        if (!a) return;
        const href = a.getAttribute('href') ?? '';
        event.preventDefault();
        event.stopPropagation();
        const target = rhelpTarget(href);
        if (target) {
            post({ type: 'open', ...target });
        } else if (href.startsWith('#') && href.length > 1) {
            const id = decodeURIComponent(href.slice(1));
            (document.getElementById(id) ?? document.getElementsByName(id)[0])?.scrollIntoView();
        } else if (/^(https?|mailto):/i.test(href)) {
            post({ type: 'external', url: href });
        }
    },
    true,
);

back.addEventListener('click', () => post({ type: 'back' }));
forward.addEventListener('click', () => post({ type: 'forward' }));

function submitSearch(words: boolean): void {
    const text = search.value.trim();
    if (text) post({ type: 'search', text, words });
}
searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitSearch(false);
});
search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.shiftKey) {
        event.preventDefault();
        submitSearch(true);
    }
});
searchWords.addEventListener('click', () => submitSearch(true));
search.addEventListener('input', () => vscode.setState({ search: search.value }));

window.addEventListener('keydown', (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key === 'ArrowLeft') post({ type: 'back' });
    else if (event.key === 'ArrowRight') post({ type: 'forward' });
    else return;
    event.preventDefault();
});
// A mouse's back and forward buttons.
window.addEventListener('mouseup', (event) => {
    if (event.button === 3) post({ type: 'back' });
    else if (event.button === 4) post({ type: 'forward' });
});

let scrollTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('scroll', () => {
    if (scrollTimer) clearTimeout(scrollTimer);
    const id = currentId;
    scrollTimer = setTimeout(() => post({ type: 'scrolled', id, y: Math.round(window.scrollY) }), 200);
});

/** For tests: click as a person would (the click goes through the same handlers). */
function click(message: Extract<ToHelp, { type: 'click' }>): void {
    let target: HTMLElement | undefined;
    if (message.target === 'link') {
        target = Array.from(content.querySelectorAll<HTMLElement>('a.rhelp')).find((a) => a.dataset.topic === message.topic);
    } else {
        const selector = message.target === 'example' ? '.run-example' : 'a.match';
        target = content.querySelectorAll<HTMLElement>(selector)[message.index];
    }
    target?.click();
}

window.addEventListener('message', (event: MessageEvent<ToHelp>) => {
    const message = event.data;
    switch (message.type) {
        case 'show':
            show(message);
            break;
        case 'busy':
            busy(message.text);
            break;
        case 'error':
            error(message.text);
            break;
        case 'focusSearch':
            if (message.text !== undefined) search.value = message.text;
            search.focus();
            search.select();
            break;
        case 'click':
            click(message);
            break;
    }
});

search.value = vscode.getState()?.search ?? '';
post({ type: 'ready' });
