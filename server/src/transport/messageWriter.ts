/**
 * The server's writer of the LSP base protocol: each message as a
 * `Content-Length` header and its UTF-8 JSON, handed to the CoalescingWriter
 * at once, in the order the connection writes them.
 *
 * It replaces vscode-jsonrpc's StreamMessageWriter, which passes every
 * message through a semaphore that starts it from its own turn of the event
 * loop (setImmediate) and a chain of promises. An execution sends six messages (its states, its output, the
 * kernel's status and the answer): the answer waited for a turn of the loop
 * per message queued before it. Here a message costs one JSON.stringify and
 * one call, and the answer goes out in the same turn as what precedes it
 * (the CoalescingWriter still joins them into one system call).
 *
 * The promise a write returns settles when the CoalescingWriter calls back:
 * at once while the data waiting for the client is below its high-water
 * mark, later otherwise, so that callers that wait for it (the output flow
 * control) still see a slow client.
 */
import { AbstractMessageWriter, Message, MessageWriter } from 'vscode-languageserver/node';
import { CoalescingWriter } from './coalescingWriter';

export class FramedMessageWriter extends AbstractMessageWriter implements MessageWriter {
    private errorCount = 0;

    constructor(private readonly out: CoalescingWriter) {
        super();
        out.on('error', (error) => this.fireError(error));
        out.on('close', () => this.fireClose());
    }

    write(msg: Message): Promise<void> {
        let body: Buffer;
        try {
            body = Buffer.from(JSON.stringify(msg), 'utf8');
        } catch (error) {
            // Not serializable (a cycle, a BigInt): nothing is written.
            this.errorCount++;
            this.fireError(error, msg, this.errorCount);
            return Promise.reject(error);
        }
        // Header and body as two chunks: the CoalescingWriter tells a
        // response from a notification by the start of the body.
        this.out.write(`Content-Length: ${body.byteLength}\r\n\r\n`, 'ascii');
        return new Promise((resolve) => {
            this.out.write(body, () => resolve());
        });
    }

    end(): void {
        this.out.end();
    }
}
