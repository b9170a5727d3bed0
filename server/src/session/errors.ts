/** An error meant for the client, with a JSON-RPC error code. */
export class SessionError extends Error {
    constructor(
        readonly code: number,
        message: string,
    ) {
        super(message);
    }
}
