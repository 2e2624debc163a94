/**
 * A fake MCP knowledge server: the official MCP SDK's server side on Streamable HTTP (stateful sessions), on
 * 127.0.0.1, with one `search` tool that returns deterministic snippets for a query, a latency knob and fault
 * knobs (error rate, outage windows, extra delay) changeable at run time. See README.md in this folder.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type Clock, createScaledClock } from '../../common/clock.ts';
import { createRng, type Rng } from '../../common/random.ts';
import type { FakeMcpFaults, FakeMcpFaultWindow, McpFaultKind } from './faults.ts';
import { searchSnippets } from './snippets.ts';

export { type FakeMcpFaults, type FakeMcpFaultWindow, MCP_FAULT_KINDS, type McpFaultKind } from './faults.ts';

export interface FakeMcpOptions {
  /** Interface to bind. Default `127.0.0.1`; only a container needs another (`0.0.0.0` inside Docker). */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Seed of the fault draws. Default 1. */
  seed?: number;
  /** The run's clock; default a scaled clock at `timeScale`. */
  clock?: Clock;
  /** Simulated seconds per real second when no clock is given. Default 1. */
  timeScale?: number;
  /** Latency of a `search` call, simulated ms. Default 80. */
  latencyMs?: number;
  /** Initial faults. Default none. */
  faults?: FakeMcpFaults;
}

/** Every default in one place (code and README read it). */
export const FAKE_MCP_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  seed: 1,
  timeScale: 1,
  latencyMs: 80,
  faults: { errorRate: 0, errorKind: 'http-503', extraDelayMs: 0 },
} as const;

export interface FakeMcpStats {
  /** HTTP requests received (POST, GET, DELETE). */
  requests: number;
  /** `search` calls answered successfully. */
  toolCalls: number;
  /** Requests failed by the fault knobs. */
  injectedErrors: number;
  /** Sessions opened (initialize requests accepted). */
  sessionsOpened: number;
  /** Sessions currently open. */
  sessionsOpen: number;
}

export interface FakeMcp {
  /** The MCP endpoint, e.g. `http://127.0.0.1:41234/mcp`. */
  readonly url: string;
  readonly port: number;
  /** Replaces the faults (fields left out take their defaults). */
  setFaults(faults: FakeMcpFaults): void;
  /** Simulated ms since the fake started: the axis of `outage` and `windows`. */
  runMs(): number;
  stats(): FakeMcpStats;
  /** Stops the server and drops every session. */
  close(): Promise<void>;
}

/**
 * Starts a fake MCP server.
 *
 * @example
 * const mcp = await startFakeMcp({ timeScale: 100 });
 * // bot config: { mcp: { url: mcp.url } }
 * mcp.setFaults({ outage: { fromMs: 0, toMs: Number.POSITIVE_INFINITY } }); // knowledge server down
 * await mcp.close();
 */
export async function startFakeMcp(options: FakeMcpOptions = {}): Promise<FakeMcp> {
  const clock = options.clock ?? createScaledClock({ timeScale: options.timeScale ?? FAKE_MCP_DEFAULTS.timeScale });
  const startedMs = clock.monotonicMs();
  const latencyMs = options.latencyMs ?? FAKE_MCP_DEFAULTS.latencyMs;
  const rng: Rng = createRng(options.seed ?? FAKE_MCP_DEFAULTS.seed);
  let faults = resolveFaults(options.faults ?? {});
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const stats = { requests: 0, toolCalls: 0, injectedErrors: 0, sessionsOpened: 0 };

  const runMs = () => clock.monotonicMs() - startedMs;
  /** Whether this request fails as `kind`; each fault that applies draws on its own. */
  const failsNow = (kind: McpFaultKind) => {
    const now = runMs();
    for (const w of faults.windows) {
      if (w.kind === kind && now >= w.fromMs && now < w.toMs && (w.rate >= 1 || rng() < w.rate)) return true;
    }
    return faults.errorKind === kind && faults.errorRate > 0 && rng() < faults.errorRate;
  };

  function newSessionServer(): McpServer {
    const server = new McpServer({ name: 'botcap-fake-knowledge', version: '0.1.0' });
    server.registerTool(
      'search',
      {
        description: 'Search the knowledge base; returns up to `limit` short dated snippets.',
        inputSchema: { query: z.string().min(1), limit: z.number().int().min(1).max(10).optional() },
      },
      async ({ query, limit }) => {
        await clock.sleepMs(latencyMs + faults.extraDelayMs);
        if (failsNow('tool-error')) {
          stats.injectedErrors++;
          return { isError: true, content: [{ type: 'text', text: 'search backend unavailable (injected fault)' }] };
        }
        stats.toolCalls++;
        return { content: searchSnippets(query, limit ?? 3).map((text) => ({ type: 'text' as const, text })) };
      },
    );
    return server;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/mcp') return reply(res, 404, { error: 'not found: the MCP endpoint is /mcp' });
    // Only POSTs carry calls; the client's optional GET notification stream is left alone.
    if (req.method === 'POST' && failsNow('http-503')) {
      stats.injectedErrors++;
      return reply(res, 503, {
        jsonrpc: '2.0',
        error: { code: -32000, message: 'unavailable (injected fault)' },
        id: null,
      });
    }
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined) return reply(res, 404, jsonRpcError('session not found; initialize again'));
      if (req.method !== 'POST' || !isInitializeRequest(body)) {
        return reply(res, 400, jsonRpcError('no session: send initialize first'));
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports.set(id, created);
          stats.sessionsOpened++;
        },
      });
      created.onclose = () => {
        if (created.sessionId) transports.delete(created.sessionId);
      };
      await newSessionServer().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, jsonRpcError(error instanceof Error ? error.message : String(error)));
      else res.end();
    });
  });
  const host = options.host ?? FAKE_MCP_DEFAULTS.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? FAKE_MCP_DEFAULTS.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`,
    port,
    setFaults: (next) => {
      faults = resolveFaults(next);
    },
    runMs,
    stats: () => ({ ...stats, sessionsOpen: transports.size }),
    close: () => {
      closing ??= (async () => {
        await Promise.all([...transports.values()].map((t) => t.close().catch(() => undefined)));
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

interface ResolvedFaults {
  errorRate: number;
  errorKind: McpFaultKind;
  /** `outage` comes first, as a window of rate 1 and the faults' `errorKind`. */
  windows: Required<FakeMcpFaultWindow>[];
  extraDelayMs: number;
}

function resolveFaults(faults: FakeMcpFaults): ResolvedFaults {
  const errorRate = faults.errorRate ?? FAKE_MCP_DEFAULTS.faults.errorRate;
  if (!(errorRate >= 0 && errorRate <= 1)) throw new RangeError(`errorRate must be within 0..1, got ${errorRate}`);
  const errorKind = faults.errorKind ?? FAKE_MCP_DEFAULTS.faults.errorKind;
  const windows = (faults.windows ?? []).map((w, i) => {
    const rate = w.rate ?? 1;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`windows[${i}].rate must be within 0..1, got ${rate}`);
    if (!(w.toMs > w.fromMs)) throw new RangeError(`windows[${i}]: toMs ${w.toMs} must be after fromMs ${w.fromMs}`);
    return { fromMs: w.fromMs, toMs: w.toMs, rate, kind: w.kind ?? errorKind };
  });
  const outage = faults.outage === undefined ? [] : [{ ...faults.outage, rate: 1, kind: errorKind }];
  return {
    errorRate,
    errorKind,
    windows: [...outage, ...windows],
    extraDelayMs: Math.max(0, faults.extraDelayMs ?? FAKE_MCP_DEFAULTS.faults.extraDelayMs),
  };
}

function jsonRpcError(message: string) {
  return { jsonrpc: '2.0', error: { code: -32000, message }, id: null };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : undefined;
}
