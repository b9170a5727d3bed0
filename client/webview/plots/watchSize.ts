/**
 * What both plot pages share: the measuring of the area a picture is shown
 * in (their channel to the extension: ../webviewApi.ts).
 */
import type { ViewSize } from '../../src/plots/protocol';

/** Calls `report` with the element's size now and whenever it changes (window resizes, panel drags, zoom). */
export function watchSize(element: HTMLElement, report: (size: ViewSize) => void): void {
    let last = '';
    const measure = () => {
        const size = {
            width: Math.max(1, Math.floor(element.clientWidth)),
            height: Math.max(1, Math.floor(element.clientHeight)),
            pixelRatio: Math.round((window.devicePixelRatio || 1) * 100) / 100,
        };
        const key = `${size.width}x${size.height}@${size.pixelRatio}`;
        if (key === last || element.clientWidth === 0 || element.clientHeight === 0) return;
        last = key;
        report(size);
    };
    new ResizeObserver(measure).observe(element);
    // A change of device pixel ratio alone (the browser's zoom, another screen) resizes nothing in CSS pixels.
    window.addEventListener('resize', measure);
    measure();
}
