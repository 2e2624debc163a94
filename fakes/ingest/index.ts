/**
 * A fake error-tracking ingestion endpoint that the real `@sentry/node` client posts to: Sentry's envelope
 * endpoint `POST /api/<project_id>/envelope/`, for a DSN `http://<key>@127.0.0.1:<port>/<project_id>`. It
 * records every error event with the time it arrived on the run's clock, so "how long until the team is told"
 * is measured where the team would read it, and it can refuse events above a rate the way Sentry's quota does
 * (429 with `Retry-After` and `X-Sentry-Rate-Limits`, which the SDK honours by dropping events until then).
 * See README.md in this folder.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { type Clock, createScaledClock } from '../../common/clock.ts';
import { EnvelopeError, parseEnvelope } from './envelope.ts';

export { type Envelope, EnvelopeError, type EnvelopeItem, parseEnvelope } from './envelope.ts';

export interface FakeIngestOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** The project id of the DSN. Default 1. */
  projectId?: number;
  /** The DSN's public key; another key is answered 401 as Sentry does. Default `botcap`. */
  publicKey?: string;
  /** The run's clock (receive times are its monotonic ms); default a scaled clock at `timeScale`. */
  clock?: Clock;
  /** Simulated seconds per real second when no clock is given. Default 1. */
  timeScale?: number;
  /** Error events accepted per simulated minute; above it 429 until the minute ends. Default unlimited (0). */
  eventsPerMin?: number;
}

/** Every default in one place. */
export const FAKE_INGEST_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  projectId: 1,
  publicKey: 'botcap',
  timeScale: 1,
  eventsPerMin: 0,
  /** Largest body accepted, as Sentry's 1 MB envelope limit for an event (compressed or not). */
  maxBodyBytes: 1_000_000,
} as const;

/** One error event as received. */
export interface IngestedEvent {
  /** The clock's monotonic ms when the envelope arrived. */
  receivedMs: number;
  eventId: string;
  /** The first exception's type and value, as the event carries them. */
  exception: string;
}

export interface FakeIngestStats {
  /** Envelopes received (any item type, client reports included), accepted or not. */
  envelopes: number;
  /** Error events posted, accepted or refused. */
  offered: number;
  /** Error events accepted. */
  events: number;
  /** Envelopes refused with 429 (rate limit). */
  refused: number;
}

export interface FakeIngest {
  readonly url: string;
  /** The DSN a client is configured with. */
  readonly dsn: string;
  events(): IngestedEvent[];
  stats(): FakeIngestStats;
  /** Changes the rate limit from now (0 = unlimited). */
  setEventsPerMin(eventsPerMin: number): void;
  reset(): void;
  close(): Promise<void>;
}

function firstException(payload: unknown): string {
  const values = (payload as { exception?: { values?: Array<{ type?: string; value?: string }> } }).exception?.values;
  const first = values?.[0];
  return first === undefined ? '' : `${first.type ?? 'Error'}: ${first.value ?? ''}`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > FAKE_INGEST_DEFAULTS.maxBodyBytes) throw new EnvelopeError('the envelope is larger than 1 MB');
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? promisify(gunzip)(body) : body;
}

/** The key of `X-Sentry-Auth: Sentry sentry_key=...` or of `?sentry_key=` (the SDKs send one or the other). */
function sentryKey(req: IncomingMessage, url: URL): string | null {
  const header = req.headers['x-sentry-auth'];
  const fromHeader = typeof header === 'string' ? /sentry_key=([^,\s]+)/.exec(header)?.[1] : undefined;
  return fromHeader ?? url.searchParams.get('sentry_key');
}

/**
 * Starts the fake ingestion endpoint.
 *
 * @example
 * const ingest = await startFakeIngest({ clock });
 * Sentry.init({ dsn: ingest.dsn }); Sentry.captureException(new Error('boom')); await Sentry.flush();
 * ingest.events()[0].exception // 'Error: boom'
 */
export async function startFakeIngest(options: FakeIngestOptions = {}): Promise<FakeIngest> {
  const d = FAKE_INGEST_DEFAULTS;
  const clock = options.clock ?? createScaledClock({ timeScale: options.timeScale ?? d.timeScale });
  const projectId = options.projectId ?? d.projectId;
  const publicKey = options.publicKey ?? d.publicKey;
  let eventsPerMin = options.eventsPerMin ?? d.eventsPerMin;
  let events: IngestedEvent[] = [];
  let stats: FakeIngestStats = { envelopes: 0, offered: 0, events: 0, refused: 0 };
  let window = { startMs: clock.monotonicMs(), accepted: 0 };
  const path = `/api/${projectId}/envelope/`;

  function answer(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  /** The seconds until the rate-limit window ends, or undefined when an event may be accepted now. */
  function limitedForS(nowMs: number): number | undefined {
    if (eventsPerMin <= 0) return undefined;
    if (nowMs - window.startMs >= 60_000) window = { startMs: nowMs, accepted: 0 };
    if (window.accepted < eventsPerMin) return undefined;
    // Retry-After is read by the SDK in real seconds, so the simulated remainder is scaled down.
    return Math.max(1, Math.ceil(clock.toRealMs(60_000 - (nowMs - window.startMs)) / 1000));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method !== 'POST' || url.pathname !== path) {
      answer(res, 404, { detail: `not found: use POST ${path}` });
      return;
    }
    if (sentryKey(req, url) !== publicKey) {
      answer(res, 401, { detail: 'missing or wrong sentry_key' });
      return;
    }
    const body = await readBody(req);
    const envelope = parseEnvelope(body);
    const receivedMs = clock.monotonicMs();
    stats.envelopes += 1;
    const errors = envelope.items.filter((item) => item.type === 'event');
    stats.offered += errors.length;
    const waitS = errors.length > 0 ? limitedForS(receivedMs) : undefined;
    if (waitS !== undefined) {
      stats.refused += 1;
      answer(
        res,
        429,
        { detail: 'event quota exceeded' },
        {
          'retry-after': String(waitS),
          'x-sentry-rate-limits': `${waitS}:error:key`,
        },
      );
      return;
    }
    for (const item of errors) {
      window.accepted += 1;
      stats.events += 1;
      const eventId = String((item.payload as { event_id?: unknown }).event_id ?? envelope.header.event_id ?? '');
      events.push({ receivedMs, eventId, exception: firstException(item.payload) });
    }
    answer(res, 200, { id: envelope.header.event_id ?? null });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return;
      const bad = error instanceof EnvelopeError;
      answer(res, bad ? 400 : 500, { detail: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? d.port, options.host ?? d.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? d.host;
  return {
    url: `http://${host}:${port}`,
    dsn: `http://${publicKey}@${host}:${port}/${projectId}`,
    events: () => [...events],
    stats: () => ({ ...stats }),
    setEventsPerMin(perMin) {
      eventsPerMin = perMin;
      window = { startMs: clock.monotonicMs(), accepted: 0 };
    },
    reset() {
      events = [];
      stats = { envelopes: 0, offered: 0, events: 0, refused: 0 };
      window = { startMs: clock.monotonicMs(), accepted: 0 };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
