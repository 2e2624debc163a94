import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Handles one request; must answer it (the server adds a 500 if a handler throws before answering). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  /** HTTP methods this route answers, e.g. ['GET']. */
  methods: readonly string[];
  path: string;
  handler: RouteHandler;
}

export interface HttpServer {
  /** `http://host:port`, known after `listen`. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish for up to `drainMs`, then cuts what is left. */
  close(drainMs: number): Promise<void>;
}

/**
 * The bot's one HTTP server: `/metrics`, `/healthz`, the webhook and the cron tick are routes on it.
 * Plain node:http and an exact-path table: four routes do not need a framework.
 *
 * @example
 * const server = await startHttpServer({ host: '127.0.0.1', port: 0, routes: [healthRoute] });
 * console.log(server.url); // http://127.0.0.1:41234
 */
export async function startHttpServer(options: {
  host: string;
  port: number;
  routes: readonly Route[];
}): Promise<HttpServer> {
  const routes = new Map(options.routes.map((route) => [route.path, route]));
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes.get(path);
    if (!route) return sendText(res, 404, 'not found\n');
    if (!route.methods.includes(req.method ?? 'GET')) {
      res.setHeader('Allow', route.methods.join(', '));
      return sendText(res, 405, 'method not allowed\n');
    }
    Promise.resolve()
      .then(() => route.handler(req, res))
      .catch(() => {
        if (!res.headersSent) sendText(res, 500, 'internal error\n');
        else res.end();
      });
  });
  // Keep-alive sockets would otherwise hold close() open until the client gives up.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: (drainMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), drainMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, `${JSON.stringify(body)}\n`, 'application/json');
}
