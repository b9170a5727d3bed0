/**
 * Helpers of the peer comparison (`npm run bench:peers`) that only the peer
 * drivers need: free ports. Finding the processes and sockets a peer left
 * behind (pidsWithArg, processGroup, listeningAddresses, isListening) is in
 * test/support/procs.ts, with every other /proc reader. What the peer
 * comparison shares with the other benchmark programs (the run's
 * bookkeeping, the lock, the noise accounting, the floor, the report's
 * machine table) is in bench/common.ts.
 */
import * as net from 'net';

/** Ports free on 127.0.0.1 at the time of asking (held open together so that they differ). */
export async function freePorts(count: number): Promise<number[]> {
    const servers: net.Server[] = [];
    try {
        const ports: number[] = [];
        for (let i = 0; i < count; i++) {
            const server = net.createServer();
            servers.push(server);
            await new Promise<void>((resolve, reject) => {
                server.once('error', reject);
                server.listen(0, '127.0.0.1', () => resolve());
            });
            ports.push((server.address() as net.AddressInfo).port);
        }
        return ports;
    } finally {
        await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    }
}
