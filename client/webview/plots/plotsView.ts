/**
 * The page of the Plots view (bundled to media/plots/plotsView.js). It
 * shows what the extension sends (client/src/plots/plotsView.ts): the
 * current plot as a PNG fitted to the plot area (object-fit: contain, so
 * that an older picture stays whole while a new one is drawn at the new
 * size), the history as thumbnails, and says what the user did. It
 * measures the plot area for the extension, copies the picture to the
 * clipboard (only a page can put a picture there), and keeps its state
 * (getState/setState) so that a tab hidden and shown again comes back as it
 * was before the extension has answered.
 */
import type { Banner, FromPlotsView, PlotAction, PlotEntry, ToPlotsView } from '../../src/plots/protocol';
import { byId, webviewApi } from '../webviewApi';
import { watchSize } from './watchSize';

interface PageState {
    plots: PlotEntry[];
    current: number;
    banner?: Banner;
    /** The picture on screen, so that it shows at once when the page comes back. */
    image?: { plotId: string; src: string };
    scrollLeft: number;
}

const api = webviewApi<FromPlotsView, PageState>();
const state: PageState = api.getState() ?? { plots: [], current: -1, scrollLeft: 0 };
/** Pictures this page has been sent, by plot: the current one's and the thumbnails'. */
const pictures = new Map<string, string>();
if (state.image) pictures.set(state.image.plotId, state.image.src);

const buttons = {
    previous: byId<HTMLButtonElement>('previous'),
    next: byId<HTMLButtonElement>('next'),
    zoom: byId<HTMLButtonElement>('zoom'),
    save: byId<HTMLButtonElement>('save'),
    copy: byId<HTMLButtonElement>('copy'),
    remove: byId<HTMLButtonElement>('remove'),
    clear: byId<HTMLButtonElement>('clear'),
};
const position = byId('position');
const source = byId<HTMLButtonElement>('source');
const banner = byId('banner');
const area = byId('area');
const plot = byId<HTMLImageElement>('plot');
const empty = byId('empty');
const status = byId('status');
const thumbs = byId('thumbs');

function current(): PlotEntry | undefined {
    return state.plots[state.current];
}

function save(): void {
    state.scrollLeft = thumbs.scrollLeft;
    api.setState(state);
}

// ---------------------------------------------------------------------------
// Drawing the page from the state

function render(): void {
    const count = state.plots.length;
    const entry = current();
    buttons.previous.disabled = state.current <= 0;
    buttons.next.disabled = state.current < 0 || state.current >= count - 1;
    for (const name of ['zoom', 'save', 'copy', 'remove', 'clear'] as const) buttons[name].disabled = count === 0;
    position.textContent = count ? `${state.current + 1} / ${count}` : '';
    position.setAttribute('aria-label', count ? `Plot ${state.current + 1} of ${count}` : 'No plots');
    source.hidden = !entry;
    if (entry) {
        source.textContent = entry.source;
        source.disabled = !entry.canReveal;
        source.title = entry.canReveal ? `Show the line that drew this plot (${entry.source})` : 'Drawn from the console';
        source.setAttribute('aria-label', entry.canReveal ? `Show the line that drew this plot: ${entry.source}` : 'Drawn from the console');
    }
    banner.hidden = !state.banner;
    banner.textContent = state.banner?.text ?? '';
    banner.className = `banner ${state.banner?.severity ?? ''}`;
    empty.hidden = count > 0;
    plot.hidden = !entry;
    if (entry) {
        plot.alt = `Plot ${state.current + 1} of ${count}, drawn by ${entry.source}`;
        // The picture this page has for it, until the one drawn for this size comes.
        // A new plot's picture follows its announcement by a few
        // milliseconds: the previous one stays meanwhile, so that the view
        // never flashes empty between plots.
        const src = pictures.get(entry.plotId);
        if (src && plot.getAttribute('src') !== src) showPicture(entry.plotId, src);
    } else {
        plot.removeAttribute('src');
        setStatus(undefined);
    }
    renderThumbnails();
    save();
}

function showPicture(plotId: string, src: string): void {
    plot.dataset.plotId = plotId;
    plot.src = src;
    state.image = { plotId, src };
}

plot.addEventListener('load', () => {
    const plotId = plot.dataset.plotId;
    if (!plotId) return;
    api.post({
        type: 'shown',
        plotId,
        naturalWidth: plot.naturalWidth,
        naturalHeight: plot.naturalHeight,
        shownWidth: plot.clientWidth,
        shownHeight: plot.clientHeight,
    });
});

/** The thumbnails, one button each, reused by plot id; only the current one is in the Tab order. */
function renderThumbnails(): void {
    const existing = new Map<string, HTMLButtonElement>();
    for (const element of Array.from(thumbs.children)) {
        if (element instanceof HTMLButtonElement && element.dataset.plotId) existing.set(element.dataset.plotId, element);
    }
    const wanted = new Set(state.plots.map((p) => p.plotId));
    for (const [id, element] of existing) {
        if (!wanted.has(id)) {
            observer.unobserve(element);
            element.remove();
        }
    }
    state.plots.forEach((entry, index) => {
        let button = existing.get(entry.plotId);
        if (!button) {
            button = document.createElement('button');
            button.className = 'thumb';
            button.dataset.plotId = entry.plotId;
            button.setAttribute('role', 'option');
            const image = document.createElement('img');
            image.alt = '';
            const number = document.createElement('span');
            number.className = 'number';
            button.append(image, number);
            button.addEventListener('click', () => api.post({ type: 'select', plotId: entry.plotId }));
            observer.observe(button);
        }
        if (thumbs.children[index] !== button) thumbs.insertBefore(button, thumbs.children[index] ?? null);
        const selected = index === state.current;
        button.setAttribute('aria-selected', String(selected));
        button.tabIndex = selected ? 0 : -1;
        button.setAttribute('aria-label', `Plot ${index + 1}: ${entry.source}`);
        button.title = `Plot ${index + 1}: ${entry.source}`;
        (button.querySelector('.number') as HTMLElement).textContent = String(index + 1);
        const picture = pictures.get(entry.plotId);
        const image = button.querySelector('img') as HTMLImageElement;
        if (picture && image.getAttribute('src') !== picture) image.src = picture;
        if (selected) button.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    });
}

/** Thumbnails without a picture that scroll into sight ask the extension for one, a batch at a time. */
const asked = new Set<string>();
let batch: string[] = [];
const observer = new IntersectionObserver(
    (entries) => {
        for (const entry of entries) {
            const id = (entry.target as HTMLElement).dataset.plotId;
            if (!entry.isIntersecting || !id || pictures.has(id) || asked.has(id)) continue;
            asked.add(id);
            batch.push(id);
        }
        if (batch.length) {
            api.post({ type: 'thumbnails', plotIds: batch });
            batch = [];
        }
    },
    { root: thumbs, rootMargin: '0px 200px' },
);

let statusTimer: ReturnType<typeof setTimeout> | undefined;
/** A note over the plot: an error at once, "drawing" only if it takes a moment (most redraws are quicker than a flash). */
function setStatus(text: string | undefined, delayMs = 0): void {
    if (statusTimer) clearTimeout(statusTimer);
    statusTimer = undefined;
    const apply = () => {
        status.hidden = !text;
        status.textContent = text ?? '';
    };
    if (text && delayMs > 0) statusTimer = setTimeout(apply, delayMs);
    else apply();
}

// ---------------------------------------------------------------------------
// Copying to the clipboard

async function copyPicture(): Promise<void> {
    try {
        const src = plot.getAttribute('src') ?? '';
        const match = /^data:image\/png;base64,(.*)$/.exec(src);
        if (!match) throw new Error('there is no picture on screen');
        if (!navigator.clipboard?.write || typeof ClipboardItem === 'undefined') throw new Error('this window gives pages no clipboard for pictures');
        const binary = atob(match[1]);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
        await navigator.clipboard.write([new ClipboardItem({ 'image/png': new Blob([bytes], { type: 'image/png' }) })]);
        api.post({ type: 'copied', ok: true });
    } catch (e) {
        api.post({ type: 'copied', ok: false, error: e instanceof Error ? e.message : String(e) });
    }
}

// ---------------------------------------------------------------------------
// What the user does

function act(action: PlotAction): void {
    // The clipboard is the page's: copied here, while the click still counts as the user's.
    if (action === 'copy') void copyPicture();
    else api.post({ type: 'action', action });
}

for (const [name, button] of Object.entries(buttons)) button.addEventListener('click', () => act(name as PlotAction));
source.addEventListener('click', () => {
    const entry = current();
    if (entry?.canReveal) api.post({ type: 'reveal', plotId: entry.plotId });
});

document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || state.plots.length === 0) return;
    const select = (index: number) => {
        const entry = state.plots[Math.max(0, Math.min(index, state.plots.length - 1))];
        if (entry) api.post({ type: 'select', plotId: entry.plotId });
    };
    switch (event.key) {
        case 'ArrowLeft':
            act('previous');
            break;
        case 'ArrowRight':
            act('next');
            break;
        case 'Home':
            select(0);
            break;
        case 'End':
            select(state.plots.length - 1);
            break;
        case 'Delete':
            act('remove');
            break;
        default:
            return;
    }
    event.preventDefault();
});

thumbs.addEventListener('scroll', () => save(), { passive: true });

// ---------------------------------------------------------------------------
// What the extension says

window.addEventListener('message', (event: MessageEvent<ToPlotsView>) => {
    const message = event.data;
    switch (message.type) {
        case 'plots': {
            const focusWasOnThumb = document.hasFocus() && document.activeElement instanceof HTMLElement && document.activeElement.classList.contains('thumb');
            state.plots = message.plots;
            state.current = message.current;
            state.banner = message.banner;
            const ids = new Set(message.plots.map((p) => p.plotId));
            for (const id of [...pictures.keys()]) if (!ids.has(id)) pictures.delete(id);
            if (state.image && !ids.has(state.image.plotId)) state.image = undefined;
            render();
            // Arrows in the history keep the focus on the chosen thumbnail.
            if (focusWasOnThumb) (thumbs.querySelector('.thumb[aria-selected="true"]') as HTMLElement | null)?.focus();
            break;
        }
        case 'image':
            pictures.set(message.plotId, message.src);
            if (current()?.plotId === message.plotId) showPicture(message.plotId, message.src);
            renderThumbnails();
            save();
            break;
        case 'thumbnail':
            if (!pictures.has(message.plotId)) pictures.set(message.plotId, message.src);
            renderThumbnails();
            if (current()?.plotId === message.plotId && !plot.getAttribute('src')) showPicture(message.plotId, message.src);
            break;
        case 'rendering':
            if (current()?.plotId !== message.plotId) break;
            if (message.rendering) setStatus('Drawing the plot at the new size…', 400);
            else setStatus(message.error);
            break;
        case 'copy':
            window.focus();
            void copyPicture();
            break;
    }
});

render();
thumbs.scrollLeft = state.scrollLeft;
api.post({ type: 'ready' });
watchSize(area, (size) => api.post({ type: 'size', size }));
