/**
 * What every webview page gets from VS Code (the Plots view, a zoomed plot,
 * a data view, the Help panel): a typed channel to the extension with the
 * page's saved state, and its elements by id.
 */

interface WebviewApi<State> {
    postMessage(message: unknown): void;
    getState(): State | undefined;
    setState(state: State): void;
}
declare function acquireVsCodeApi<State>(): WebviewApi<State>;

export interface Webview<Out, State> {
    post(message: Out): void;
    getState(): State | undefined;
    setState(state: State): void;
}

/** The page's channel to the extension; `acquireVsCodeApi` may be called only once. */
export function webviewApi<Out, State>(): Webview<Out, State> {
    const api = acquireVsCodeApi<State>();
    return {
        post: (message) => api.postMessage(message),
        getState: () => api.getState(),
        setState: (state) => api.setState(state),
    };
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
    const element = document.getElementById(id);
    if (!element) throw new Error(`the page has no #${id}`);
    return element as T;
}
