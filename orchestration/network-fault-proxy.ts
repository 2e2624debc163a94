import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback between the bots and one dependency (PostgreSQL), so a run can put a network fault
 * on that path for a window: added latency, or a partition (every connection reset, new ones refused).
 * node:net and nothing more: Toxiproxy does this too, but needs its own server (a Go binary or a container),
 * which the embedded runtime has no engine for; the small npm proxies have no delay or partition. Only runs
 * that ask for a network fault get the proxy; no other run pays for the extra hop.
 */

export interface NetworkFaultProxy {
  /** Where the bots connect instead of the dependency (127.0.0.1). */
  readonly port: number;
  /** Adds this many real ms to every chunk, each way (0: none). */
  setDelay(realMs: number): void;
  /** While on: open connections are reset and new ones refused, as a partition looks to a client. Returns how many it reset. */
  setPartitioned(on: boolean): number;
  /** Connections open through the proxy now. */
  openConnections(): number;
  close(): Promise<void>;
}

/**
 * @example
 * const proxy = await startNetworkFaultProxy({ host: '127.0.0.1', port: 5432 });
 * // DATABASE_URL=postgres://...@127.0.0.1:${proxy.port}/db
 * proxy.setDelay(50);
 */
export async function startNetworkFaultProxy(target: { host: string; port: number }): Promise<NetworkFaultProxy> {
  let delayRealMs = 0;
  let partitioned = false;
  const pairs = new Set<[Socket, Socket]>();

  /** Forwards `from` to `to`, each chunk `delayRealMs` later, in order (due times never decrease). */
  const forward = (from: Socket, to: Socket) => {
    let lastDueMs = 0;
    from.on('data', (chunk: Buffer) => {
      if (delayRealMs === 0 && lastDueMs <= Date.now()) {
        to.write(chunk);
        return;
      }
      lastDueMs = Math.max(Date.now() + delayRealMs, lastDueMs);
      setTimeout(() => to.writable && to.write(chunk), lastDueMs - Date.now());
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, lastDueMs - Date.now())));
  };

  const server = createServer((client) => {
    if (partitioned) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', drop);
      socket.on('close', drop);
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the network fault proxy has no port');

  return {
    port: address.port,
    setDelay: (realMs) => {
      delayRealMs = Math.max(0, realMs);
    },
    setPartitioned: (on) => {
      partitioned = on;
      if (!on) return 0;
      const reset = pairs.size;
      for (const [client, upstream] of [...pairs]) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
      return reset;
    },
    openConnections: () => pairs.size,
    close: async () => {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A connection URL to the same server through the proxy: only the host and port change.
 *
 * @example
 * throughProxy('postgres://app:pw@127.0.0.1:41237/botcap', 50123) // 'postgres://app:pw@127.0.0.1:50123/botcap'
 */
export function throughProxy(url: string, proxyPort: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxyPort);
  return parsed.toString();
}
