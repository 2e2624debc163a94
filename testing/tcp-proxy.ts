import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/**
 * A loopback TCP proxy in front of a server (PostgreSQL), for outages a test controls: `cut()` drops every
 * open connection and turns new ones away (a server restarting: the client sees its connections end and
 * its reconnects fail) until `restore()`. Turned-away connections are counted, so a test can wait for the
 * client's first failed attempt instead of sleeping.
 *
 * @example
 * const proxy = await startTcpProxy(5432);
 * proxy.cut();
 * await waitFor('a refused reconnect', () => proxy.refused() > 0);
 * proxy.restore();
 */
export interface TcpProxy {
  readonly port: number;
  /** Drops every open connection; new ones are closed as soon as they arrive. */
  cut(): void;
  restore(): void;
  /** Connections turned away while cut. */
  refused(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  let refused = 0;
  const server: Server = createServer((client) => {
    if (down) {
      refused += 1;
      client.destroy();
      return;
    }
    const upstream = tcpConnect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    cut() {
      down = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      down = false;
    },
    refused: () => refused,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
