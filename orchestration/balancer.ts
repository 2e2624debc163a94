import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A round-robin HTTP load balancer in front of N webhook instances. Telegram posts every update to ONE
 * webhook URL, so a multi-instance webhook deployment always has a balancer (nginx, a cloud LB) in front;
 * the run puts this one there so "webhook x3" is measured the way it is deployed. It streams bodies
 * (no buffering), keeps connections alive to the backends, and answers 502 when a backend is down -
 * which the fake Telegram treats like any failed delivery (record the error, retry with backoff).
 *
 * @example
 * const lb = await startBalancer({ backends: ['http://127.0.0.1:4001', 'http://127.0.0.1:4002'] });
 * // setWebhook url = `${lb.url}/telegram`
 */
export interface BalancerOptions {
  /** Backend base URLs (scheme, host, port); the request path is kept. */
  backends: readonly string[];
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Port, 0 = a free one. Default 0. */
  port?: number;
  /**
   * `none` (default): round-robin, a chat's updates land on any instance. `chat`: the update's chat id picks
   * the instance (chat id mod live instances, as nginx's `hash $chat_id` without `consistent`), so a chat
   * stays on one instance until the instance list changes - then most chats move.
   */
  affinity?: BalancerAffinity;
}

export const BALANCER_AFFINITIES = ['none', 'chat'] as const;
export type BalancerAffinity = (typeof BALANCER_AFFINITIES)[number];

export interface Balancer {
  url: string;
  /** Requests forwarded per backend, in `backends` order. */
  forwarded(): number[];
  /** Replaces the backend list (an instance was killed or restarted). */
  setBackends(backends: readonly string[]): void;
  close(): Promise<void>;
}

export const BALANCER_DEFAULTS = { host: '127.0.0.1', port: 0, affinity: 'none' } as const;

export async function startBalancer(options: BalancerOptions): Promise<Balancer> {
  let backends = options.backends.map((b) => new URL(b));
  let counts = backends.map(() => 0);
  let next = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });

  const affinity = options.affinity ?? BALANCER_DEFAULTS.affinity;

  function forward(req: IncomingMessage, res: ServerResponse, index: number, body?: Buffer): void {
    const target = backends[index]!;
    counts[index] = (counts[index] ?? 0) + 1;
    const headers = body === undefined ? req.headers : { ...req.headers, 'content-length': String(body.length) };
    const upstream = request(
      { agent, host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bad gateway: ${error.message}`);
    });
    if (body === undefined) req.pipe(upstream);
    else upstream.end(body);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (backends.length === 0) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no backend');
      return;
    }
    if (affinity === 'none') {
      forward(req, res, next++ % backends.length);
      return;
    }
    // Affinity needs the chat id from the body: read the (small) update, then forward it whole.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const chat = chatOf(body);
      forward(req, res, chat === undefined ? next++ % backends.length : Math.abs(chat) % backends.length, body);
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? BALANCER_DEFAULTS.port, options.host ?? BALANCER_DEFAULTS.host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    forwarded: () => [...counts],
    setBackends(list) {
      backends = list.map((b) => new URL(b));
      counts = backends.map(() => 0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The chat an update belongs to (the user for updates without a chat); undefined when the body is not one. */
export function chatOf(body: Buffer): number | undefined {
  try {
    const update = JSON.parse(body.toString('utf8')) as Record<
      string,
      { chat?: { id?: unknown }; from?: { id?: unknown }; message?: { chat?: { id?: unknown } } } | undefined
    >;
    for (const part of Object.values(update)) {
      if (typeof part !== 'object' || part === null) continue;
      const id = part.chat?.id ?? part.message?.chat?.id ?? part.from?.id;
      if (typeof id === 'number') return id;
    }
  } catch {
    // Not JSON: round-robin it like any request.
  }
  return undefined;
}
