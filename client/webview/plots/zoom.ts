/**
 * The page of a zoomed plot (bundled to media/plots/zoom.js): one picture
 * fitted to the tab, drawn again by the extension whenever the tab's size
 * changes (the old one is shown scaled meanwhile).
 */
import type { FromZoom, ToZoom } from '../../src/plots/protocol';
import { byId, webviewApi } from '../webviewApi';
import { watchSize } from './watchSize';

interface PageState {
    src?: string;
}

const api = webviewApi<FromZoom, PageState>();
const state: PageState = api.getState() ?? {};
const area = byId('zoom-area');
const plot = byId<HTMLImageElement>('plot');
const status = byId('status');

function show(src: string): void {
    plot.src = src;
    plot.hidden = false;
    state.src = src;
    api.setState(state);
}

plot.addEventListener('load', () => api.post({ type: 'shown', naturalWidth: plot.naturalWidth, naturalHeight: plot.naturalHeight }));

let statusTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('message', (event: MessageEvent<ToZoom>) => {
    const message = event.data;
    switch (message.type) {
        case 'image':
            show(message.src);
            break;
        case 'rendering':
            if (statusTimer) clearTimeout(statusTimer);
            statusTimer = undefined;
            if (message.rendering) {
                // Only a redraw that takes a moment is worth a note.
                statusTimer = setTimeout(() => {
                    status.hidden = false;
                    status.textContent = 'Drawing the plot at this size…';
                }, plot.hidden ? 0 : 400);
            } else {
                status.hidden = !message.error;
                status.textContent = message.error ?? '';
            }
            break;
    }
});

if (state.src) show(state.src);
api.post({ type: 'ready' });
watchSize(area, (size) => api.post({ type: 'size', size }));
