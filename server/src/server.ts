/**
 * The language server entry point.
 *
 * - `node dist/server.js --stdio`: LSP base protocol on stdin/stdout, one R
 *   session behind it that ends with its client. Nothing but protocol is
 *   written to stdout; diagnostics go through window/logMessage.
 * - `node dist/server.js --session --workspace DIR [--idle-timeout MIN]
 *   [--trusted]`: a detached session that outlives its clients, reached
 *   through a private Unix socket (daemon.ts).
 */
import { createConnection } from 'vscode-languageserver/node';
import { CoalescingWriter } from './transport/coalescingWriter';
import { FramedMessageReader } from './transport/messageReader';
import { FramedMessageWriter } from './transport/messageWriter';
import { Frontend } from './frontend';
import { SessionHost } from './host';
import { parseDaemonArgs, runDaemon } from './daemon';
import { PRESTARTED, PrestartedKernel } from './kernel/prestart';

/** R started by the entry point (early.ts) before this bundle was loaded, if any. */
function prestarted(): PrestartedKernel | undefined {
    const value = (globalThis as Record<symbol, unknown>)[PRESTARTED];
    return value instanceof Object && 'take' in value ? (value as PrestartedKernel) : undefined;
}

function runStdio(): void {
    const reader = new FramedMessageReader(process.stdin);
    const writer = new FramedMessageWriter(CoalescingWriter.forStdout());
    const connection = createConnection(reader, writer);
    const host = new SessionHost({ mode: 'stdio', prestarted: prestarted(), exit: (code) => process.exit(code) });
    const frontend = new Frontend(connection, host);
    host.connect(frontend);

    // The client going away (its end of stdio closing) ends everything:
    // queued executions are dropped, the running one is interrupted, R is
    // stopped, and the server exits cleanly.
    const leave = () => host.leave(0);
    process.stdin.on('end', leave);
    process.stdin.on('close', leave);
    process.stdout.on('error', leave);
    reader.onError((error) => {
        // Malformed input has been dropped by the reader (transport/messageReader.ts),
        // which says what was wrong in a short message; the server carries on.
        frontend.error(`input: ${String(error.message).slice(0, 500)}`);
    });

    // Stopped by a signal (Neovim and `kill` stop servers with SIGTERM; a
    // closed terminal sends SIGHUP): exiting runs the exit handler that
    // kills R and its process group and removes the kernel's private
    // folder, synchronously, so that nothing R was running or had queued
    // goes on after the server.
    for (const [signal, number] of [
        ['SIGTERM', 15],
        ['SIGHUP', 1],
        ['SIGINT', 2],
    ] as const) {
        process.on(signal, () => {
            frontend.markGone();
            process.exit(128 + number);
        });
    }

    process.on('uncaughtException', (e) => {
        // A bug must not take the user's R session down with the server.
        frontend.error(`internal error: ${e.stack ?? e}`);
    });

    connection.listen();
}

if (process.argv.includes('--session')) runDaemon(parseDaemonArgs(process.argv.slice(2)), prestarted());
else runStdio();
