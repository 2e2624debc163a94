import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NetworkFaultProxy, startNetworkFaultProxy } from './network-fault-proxy.ts';

/** What a bot sees through the proxy: the dependency's answers, later by the delay, or its connections cut. */

let echo: Server;
let proxy: NetworkFaultProxy;

beforeAll(async () => {
  echo = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const address = echo.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  proxy = await startNetworkFaultProxy({ host: '127.0.0.1', port: address.port });
});
afterAll(async () => {
  await proxy.close();
  await new Promise((resolve) => echo.close(resolve));
});

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: proxy.port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Real ms from writing `text` to reading it back. */
function roundTripMs(socket: Socket, text: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    let got = '';
    const onData = (chunk: Buffer) => {
      got += chunk.toString();
      if (got === text) {
        socket.off('data', onData);
        resolve(performance.now() - started);
      }
    };
    socket.on('data', onData);
    socket.write(text);
  });
}

describe('network fault proxy', () => {
  it('passes bytes through unchanged and in order, and adds the delay each way while asked', async () => {
    const socket = await open();
    try {
      expect(await roundTripMs(socket, 'ping')).toBeLessThan(400);
      proxy.setDelay(400);
      expect(await roundTripMs(socket, 'slow')).toBeGreaterThanOrEqual(790); // 400 ms there and 400 back
      proxy.setDelay(0);
      expect(await roundTripMs(socket, 'fast again')).toBeLessThan(400);
    } finally {
      socket.destroy();
    }
  });

  it('partitioned: resets open connections and refuses new ones; healed: connects again', async () => {
    const socket = await open();
    await roundTripMs(socket, 'up');
    const cut = new Promise<string | undefined>((resolve) =>
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code)),
    );
    expect(proxy.setPartitioned(true)).toBe(1);
    expect(await cut).toBe('ECONNRESET');
    const refused = await open().then(
      (late) =>
        new Promise<string | undefined>((resolve) => {
          late.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
          late.once('close', () => resolve('closed'));
        }),
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(refused).toBe('ECONNRESET');
    proxy.setPartitioned(false);
    const healed = await open();
    expect(await roundTripMs(healed, 'back')).toBeLessThan(400);
    healed.destroy();
  });
});
