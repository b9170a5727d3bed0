/**
 * The page's channel to the extension: VS Code's webview API (acquired
 * once), requests to the server with an id each (answered by `response`
 * messages, cancellable), and the page's saved state.
 */
import type { FromDataView, PageRequest, PageResults, RequestFailure, ToDataView } from '../../src/dataView/protocol';
import { webviewApi } from '../webviewApi';

export interface Pending<T> {
    id: number;
    promise: Promise<T>;
}

export class Channel<State> {
    private readonly api = webviewApi<FromDataView, State>();
    private nextId = 1;
    private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (failure: RequestFailure) => void }>();

    constructor(private readonly onMessage: (message: Exclude<ToDataView, { type: 'response' }>) => void) {
        window.addEventListener('message', (event: MessageEvent<ToDataView>) => {
            const message = event.data;
            if (message.type !== 'response') {
                this.onMessage(message);
                return;
            }
            const waiter = this.waiting.get(message.id);
            if (!waiter) return;
            this.waiting.delete(message.id);
            if ('error' in message) waiter.reject(message.error);
            else waiter.resolve(message.result);
        });
    }

    post(message: FromDataView): void {
        this.api.post(message);
    }

    /** Sends a request; the promise rejects with a RequestFailure. */
    request<M extends PageRequest['method']>(request: Extract<PageRequest, { method: M }>): Pending<PageResults[M]> {
        const id = this.nextId++;
        const promise = new Promise<PageResults[M]>((resolve, reject) => {
            this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
        });
        this.post({ type: 'request', id, request });
        return { id, promise };
    }

    /** Cancels a request on its way: the server is told, and the promise rejects at once as cancelled. */
    cancel(id: number): void {
        const waiter = this.waiting.get(id);
        if (!waiter) return;
        this.waiting.delete(id);
        this.post({ type: 'cancel', id });
        waiter.reject({ kind: 'cancelled', message: 'Cancelled.' });
    }

    getState(): State | undefined {
        return this.api.getState();
    }

    setState(state: State): void {
        this.api.setState(state);
    }
}

/** Whether a rejection is a RequestFailure (and not a bug in the page). */
export function isFailure(value: unknown): value is RequestFailure {
    return typeof value === 'object' && value !== null && 'kind' in value && 'message' in value;
}
