/** The part of the npm package rserve-client (plain JavaScript, no types of its own) that bench/peers uses. */
declare module 'rserve-client' {
    export interface RserveConnection {
        /** Evaluates R code; one at a time: a second call before the first answers replaces its handler. */
        evaluate(command: string, callback: (error: Error | null, value: unknown) => void): void;
        end(): void;
    }
    export function connect(host: string, port: number, callback: (error: Error | null, client: RserveConnection) => void): unknown;
}
