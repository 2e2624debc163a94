import { STATUS_CODES } from 'node:http';
import { type Dispatcher, Pool } from 'undici';
import { redactSecrets } from '../../common/redact.ts';
import type { WebhookClientFactory } from './options.ts';
import type { WebhookStats } from './records.ts';
import type { UpdateEntry, UpdateStore } from './update-store.ts';

/** What setWebhook stored. */
export interface WebhookConfig {
  url: string;
  secretToken: string | undefined;
  maxConnections: number;
}

/** What the actor needs from its bot; times in real milliseconds (already divided by the time scale). */
export interface WebhookHost {
  store: UpdateStore;
  /** Chat -> update in flight, so a bot call to that chat can be attributed to the update it answers. */
  inFlightByChat: Map<number, number>;
  requestTimeoutRealMs: number;
  backoffStartRealMs: number;
  backoffMaxRealMs: number;
  timeScale: number;
  maxReplyBytes: number;
  /** Makes the client deliveries go through; undefined: an undici Pool (see {@link newPool}). */
  webhookClient: WebhookClientFactory | undefined;
  /**
   * Where deliveries really go: this origin with the registered URL's path and query, the way DNS and a
   * TLS-terminating load balancer route Telegram's requests to a bot; undefined = the registered URL itself.
   */
  webhookRoute: URL | undefined;
  /** Simulated epoch seconds, for last_error_date. */
  nowS(): number;
  /** Runs a `{method,...}` webhook answer as a bot call. */
  executeReply(body: Record<string, unknown>, entry: UpdateEntry): void;
}

interface Queue {
  /** A callback-query queue (keyed by user) or a message queue (keyed by chat). */
  byUser: boolean;
  id: number;
  /** Set when the actor closed; a stale entry of `ready` then skips it. */
  removed: boolean;
  items: UpdateEntry[];
  head: number;
  inFlight: boolean;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Webhook delivery as tdlib's WebhookActor does it: one FIFO queue per key (chat for messages, user for
 * callback queries), only each queue's head in flight, at most `max_connections` requests at once. A
 * failed delivery (non-2xx, reset, timeout) keeps its place at the head and is retried after
 * Retry-After or a doubling backoff, so the chat's later updates wait behind it.
 *
 * @example
 * const actor = new WebhookActor(host, { url: 'http://127.0.0.1:8080/hook', secretToken: 's', maxConnections: 40 });
 */
export class WebhookActor {
  lastErrorDateS: number | undefined;
  lastErrorMessage: string | undefined;
  deliveries = 0;
  failures = 0;
  /** Failed deliveries by reason (bounded: reasons past the limit count under one key). */
  readonly failuresByReason = new Map<string, number>();
  /**
   * Message queues by chat and callback-query queues by user: two maps, so the ids never collide. A queue that
   * empties stays, idle, for the chat's next update: with one update in flight per chat (a user waits for the
   * reply) a queue empties after every delivery, and making and dropping it each time cost the generator's
   * hottest path an object, an array and two map writes per update. At most one per chat or user the fake knows.
   */
  private readonly chatQueues = new Map<number, Queue>();
  private readonly userQueues = new Map<number, Queue>();
  private ready: Queue[] = [];
  private readyHead = 0;
  private inFlight = 0;
  private closed = false;
  /**
   * undici's pooled keep-alive client: one connection per delivery slot, and per delivery a handler object
   * instead of node:http's ClientRequest + IncomingMessage streams (which cost about half of the generator's
   * CPU per update). One undici Client per slot, taken and given back by the actor (which already caps the
   * deliveries in flight), saves the Pool's search for a free client: about 11 µs per request for bare undici,
   * but in the fake no difference beyond the noise, so the Pool stays. Measured 2026-12-07 at 7cd15ed on a
   * 2-core AMD EPYC VM, Node v20.20.2, in real time (time scale 1: no fidelity verdict applies), by a scratch
   * harness (not kept) around bench/loadgen.ts's LoadRunner round: two fakes in one process, one with Clients and
   * one given a Pool through `webhookClient`, 16 alternating 2 s pairs, median 0.8 µs per update more with Clients.
   */
  private pool: Dispatcher;
  /** Origin deliveries go to and the registered URL's path and query, parsed once (not on every delivery). */
  private readonly origin: string;
  private readonly path: string;
  /** Headers every delivery sends, as a flat name/value list. */
  private fixedHeaders: string[] = [];
  /** Deliveries in flight with the real time they were sent; one timer checks them against the timeout. */
  private readonly sent = new Map<Delivery, number>();
  private timeoutSweep: NodeJS.Timeout | undefined;
  /** How every delivery reports back: made once, so a delivery carries no callbacks of its own. */
  private readonly deliveryOwner: DeliveryOwner;

  constructor(
    private readonly host: WebhookHost,
    public config: WebhookConfig,
  ) {
    const url = new URL(config.url);
    const delivery = routedUrl(url, host.webhookRoute);
    this.origin = delivery.origin;
    this.path = `${delivery.pathname}${delivery.search}`;
    this.pool = this.newClient(config.maxConnections);
    this.fixedHeaders = fixedHeaders(url, config);
    this.deliveryOwner = {
      maxReplyBytes: host.maxReplyBytes,
      settled: (delivery, failure, retryAfterS) => {
        this.sent.delete(delivery);
        this.finish(delivery.queue, delivery.entry, failure, retryAfterS);
      },
      replied: (body, entry) => this.runReply(body, entry),
    };
    for (const entry of host.store.pending.values()) this.enqueue(entry);
  }

  /**
   * New secret or max_connections for the same URL take effect without losing queues. Like tdlib,
   * which restarts its actor on setWebhook, queues waiting out a backoff are retried at once.
   */
  reconfigure(config: WebhookConfig): void {
    if (config.maxConnections !== this.config.maxConnections) {
      // A pool's connection count is fixed: deliveries in flight finish on the old one, new ones use the new.
      endClient(this.pool, 'close');
      this.pool = this.newClient(config.maxConnections);
    }
    this.config = config;
    this.fixedHeaders = fixedHeaders(new URL(config.url), config);
    for (const queue of this.allQueues()) {
      if (queue.timer === undefined) continue;
      clearTimeout(queue.timer);
      queue.timer = undefined;
      queue.failures = 0;
      this.ready.push(queue);
    }
    this.pump();
  }

  private newClient(maxConnections: number): Dispatcher {
    return (this.host.webhookClient ?? newPool)(this.origin, maxConnections);
  }

  enqueue(entry: UpdateEntry): void {
    if (this.closed) return;
    const byUser = entry.kind === 'callback_query';
    const id = byUser ? entry.user_id : entry.chat_id;
    const queues = byUser ? this.userQueues : this.chatQueues;
    let queue = queues.get(id);
    if (queue === undefined) {
      queue = { byUser, id, removed: false, items: [], head: 0, inFlight: false, failures: 0, timer: undefined };
      queues.set(id, queue);
    }
    queue.items.push(entry);
    if (queue.items.length - queue.head === 1 && !queue.inFlight && queue.timer === undefined) {
      this.ready.push(queue);
      this.pump();
    }
  }

  /** Stops delivering; unconfirmed updates stay in the store for getUpdates or the next webhook. */
  close(): void {
    this.closed = true;
    for (const queue of this.allQueues()) {
      clearTimeout(queue.timer);
      queue.removed = true;
    }
    this.chatQueues.clear();
    this.userQueues.clear();
    this.host.inFlightByChat.clear();
    clearInterval(this.timeoutSweep);
    this.sent.clear();
    endClient(this.pool, 'destroy');
  }

  /** Drops every queued update (drop_pending_updates on a live webhook). */
  clearQueues(): void {
    for (const queue of this.allQueues()) {
      clearTimeout(queue.timer);
      queue.timer = undefined;
      queue.items.length = queue.inFlight ? queue.head + 1 : 0;
      if (!queue.inFlight) this.idle(queue);
    }
  }

  stats(): WebhookStats {
    let queued = 0;
    let deepest = 0;
    let nonEmpty = 0;
    for (const queue of this.allQueues()) {
      const depth = queue.items.length - queue.head;
      queued += depth;
      if (depth > 0) nonEmpty++;
      if (depth > deepest) deepest = depth;
    }
    return {
      max_connections: this.config.maxConnections,
      in_flight: this.inFlight,
      non_empty_queues: nonEmpty,
      queued,
      deepest_queue: deepest,
      deliveries: this.deliveries,
      failures: this.failures,
      failures_by_reason: Object.fromEntries(this.failuresByReason),
      last_error_message: this.lastErrorMessage ?? null,
    };
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.config.maxConnections && this.readyHead < this.ready.length) {
      const queue = this.ready[this.readyHead++]!;
      if (queue.removed || queue.inFlight || queue.timer !== undefined) continue;
      this.startHead(queue);
    }
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
  }

  /** Sends the queue's head, skipping updates that left the store (expired, dropped) meanwhile. */
  private startHead(queue: Queue): void {
    const store = this.host.store;
    let entry = queue.items[queue.head];
    while (entry !== undefined && (!store.pending.has(entry.update_id) || store.isExpired(entry))) {
      if (store.pending.has(entry.update_id)) store.drop(entry, 'expired');
      entry = queue.items[++queue.head];
    }
    if (entry === undefined) {
      this.idle(queue);
      return;
    }
    queue.inFlight = true;
    this.inFlight++;
    this.deliveries++;
    store.countDelivery(entry);
    this.host.inFlightByChat.set(entry.chat_id, entry.update_id);
    this.post(queue, entry);
  }

  private post(queue: Queue, entry: UpdateEntry): void {
    const delivery = new Delivery(this.deliveryOwner, queue, entry);
    this.watchTimeout(delivery);
    try {
      this.pool.dispatch(
        { origin: this.origin, path: this.path, method: 'POST', headers: this.fixedHeaders, body: entry.json },
        delivery,
      );
    } catch (error) {
      delivery.settle(describeNetworkError(error as NodeJS.ErrnoException));
    }
  }

  /**
   * The request timeout, for every delivery on one timer: checked a tenth of the timeout apart, so a delivery
   * fails between 1 and 1.1 timeouts after it was sent. Per-request timers cost a timer update on every delivery.
   */
  private watchTimeout(delivery: Delivery): void {
    this.sent.set(delivery, performance.now());
    if (this.timeoutSweep !== undefined) return;
    const timeoutMs = this.host.requestTimeoutRealMs;
    this.timeoutSweep = setInterval(
      () => {
        const expiredBefore = performance.now() - timeoutMs;
        for (const [late, atMs] of this.sent) {
          if (atMs > expiredBefore) break;
          late.timedOut = true;
          // Aborting closes the connection; a delivery still waiting for one is aborted as soon as it gets it.
          late.controller?.abort(new Error(READ_TIMEOUT));
          late.settle(READ_TIMEOUT);
        }
        if (this.sent.size === 0) {
          clearInterval(this.timeoutSweep);
          this.timeoutSweep = undefined;
        }
      },
      Math.max(1, timeoutMs / 10),
    );
    // Deliveries in flight do not keep a process alive on their own (the sockets do while they are open).
    this.timeoutSweep.unref();
  }

  /** A 2xx body `{method,...}` is a bot call; anything unparsable is ignored, as Telegram does. */
  private runReply(body: Buffer, entry: UpdateEntry): void {
    if (body[0] !== 0x7b || this.closed) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return;
    }
    if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { method?: unknown }).method === 'string') {
      this.host.executeReply(parsed as Record<string, unknown>, entry);
    }
  }

  private finish(queue: Queue, entry: UpdateEntry, failure: string | undefined, retryAfterS?: number): void {
    if (this.closed) return;
    queue.inFlight = false;
    this.inFlight--;
    if (this.host.inFlightByChat.get(entry.chat_id) === entry.update_id) this.host.inFlightByChat.delete(entry.chat_id);
    if (failure === undefined) {
      this.host.store.markAccepted(entry);
      this.host.store.confirm(entry);
      queue.head++;
      queue.failures = 0;
      this.advance(queue);
    } else {
      this.failures++;
      entry.webhook_failures++;
      this.lastErrorDateS = this.host.nowS();
      this.lastErrorMessage = redactSecrets(failure);
      this.countFailure(this.lastErrorMessage);
      const backoffMs = Math.min(this.host.backoffStartRealMs * 2 ** queue.failures, this.host.backoffMaxRealMs);
      const delayMs = retryAfterS === undefined ? backoffMs : (retryAfterS * 1000) / this.host.timeScale;
      queue.failures++;
      queue.timer = setTimeout(() => {
        queue.timer = undefined;
        if (this.closed) return;
        this.ready.push(queue);
        this.pump();
      }, delayMs);
    }
    this.pump();
  }

  private countFailure(reason: string): void {
    const key =
      this.failuresByReason.has(reason) || this.failuresByReason.size < FAILURE_REASONS_KEPT ? reason : 'other';
    this.failuresByReason.set(key, (this.failuresByReason.get(key) ?? 0) + 1);
  }

  private advance(queue: Queue): void {
    if (queue.head >= queue.items.length) {
      this.idle(queue);
      return;
    }
    if (queue.head > 256 && queue.head * 2 > queue.items.length) {
      queue.items = queue.items.slice(queue.head);
      queue.head = 0;
    }
    this.ready.push(queue);
  }

  /**
   * An emptied queue keeps its place (and its array) for the chat's next update, which starts afresh: its
   * backoff from the first step, as a new queue's would (drop_pending_updates can empty a queue mid-backoff).
   */
  private idle(queue: Queue): void {
    queue.items.length = 0;
    queue.head = 0;
    queue.failures = 0;
  }

  private *allQueues(): IterableIterator<Queue> {
    yield* this.chatQueues.values();
    yield* this.userQueues.values();
  }
}

/** What a delivery reports back to its actor: one object per actor, so a delivery allocates no closures. */
interface DeliveryOwner {
  readonly maxReplyBytes: number;
  /** The delivery is over: accepted (failure undefined) or failed, with Retry-After when the bot sent one. */
  settled(delivery: Delivery, failure: string | undefined, retryAfterS?: number): void;
  /** A 2xx answer with a body, after the delivery settled: the webhook reply to run as a bot call. */
  replied(body: Buffer, entry: UpdateEntry): void;
}

/**
 * One delivery in flight, and undici's handler for it: status and Retry-After, then the body, then the end
 * or an error. Settled once, by its response, its error or the timeout sweep, whichever comes first. A class
 * rather than an object literal of callbacks: one allocation per update, its methods on the prototype
 * (this is the generator's hottest path: every simulated update passes here once).
 */
class Delivery implements Dispatcher.DispatchHandler {
  /** undici's handle on the request once it is on a connection (abort closes that connection). */
  controller: Dispatcher.DispatchController | undefined = undefined;
  timedOut = false;
  settled = false;
  private status = 0;
  private retryAfter: string | string[] | undefined = undefined;
  private statusMessage = '';
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(
    private readonly owner: DeliveryOwner,
    readonly queue: Queue,
    readonly entry: UpdateEntry,
  ) {}

  settle(failure: string | undefined, retryAfterS?: number): void {
    if (this.settled) return;
    this.settled = true;
    this.owner.settled(this, failure, retryAfterS);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.timedOut) controller.abort(new Error(READ_TIMEOUT));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    this.status = statusCode;
    this.retryAfter = headers['retry-after'];
    this.statusMessage = statusMessage ?? '';
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes <= this.owner.maxReplyBytes) this.chunks.push(chunk);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.settle(describeNetworkError(error as NodeJS.ErrnoException));
  }

  onResponseEnd(): void {
    if (this.status < 200 || this.status > 299) {
      const retryAfterS = Number.parseInt(String(this.retryAfter ?? ''), 10);
      const reason = this.statusMessage || STATUS_CODES[this.status] || '';
      this.settle(
        `Wrong response from the webhook: ${this.status} ${reason}`.trim(),
        Number.isFinite(retryAfterS) ? retryAfterS : undefined,
      );
      return;
    }
    if (this.settled) return;
    this.settle(undefined);
    if (this.bytes > 0 && this.bytes <= this.owner.maxReplyBytes) {
      this.owner.replied(this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks), this.entry);
    }
  }
}

/** tdlib's wording for a webhook that answered too late. */
const READ_TIMEOUT = 'Read timeout expired';

/**
 * One keep-alive connection per delivery slot. undici's own header and body timeouts are off: the actor's
 * sweep applies the webhook timeout from the moment a delivery is sent, in real (scaled) milliseconds.
 */
function newPool(origin: string, connections: number): Pool {
  return new Pool(origin, { connections, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
}

/**
 * Ends a client without waiting for it: `close` lets its requests finish, `destroy` aborts them. A client that
 * cannot be destroyed (undici's MockAgent throws "not implemented") is closed instead.
 */
function endClient(client: Dispatcher, how: 'close' | 'destroy'): void {
  try {
    void (how === 'destroy' ? client.destroy() : client.close()).catch(() => {});
  } catch {
    if (how === 'destroy') endClient(client, 'close');
  }
}

/** Distinct failure reasons counted by name; network errors and status lines are few, so this is a bound, not a limit. */
const FAILURE_REASONS_KEPT = 32;

/** The registered URL with its origin replaced by the route's (path, query and credentials kept). */
function routedUrl(registered: URL, route: URL | undefined): URL {
  if (route === undefined) return registered;
  const delivery = new URL(registered.href);
  delivery.protocol = route.protocol;
  delivery.hostname = route.hostname;
  delivery.port = route.port;
  return delivery;
}

/**
 * What every delivery to `url` sends besides Content-Length (undici adds it): Host (the registered URL's, as
 * a proxy in front of the bot passes it on), Basic auth when the URL has credentials, Content-Type, and the
 * secret header when setWebhook gave one. Every value here is already valid: the URL parsed and the secret
 * matched `[A-Za-z0-9_-]`.
 */
function fixedHeaders(url: URL, config: WebhookConfig): string[] {
  const headers = ['Host', url.host];
  if (url.username !== '' || url.password !== '') {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.push('Authorization', `Basic ${Buffer.from(credentials).toString('base64')}`);
  }
  headers.push('Content-Type', 'application/json');
  if (config.secretToken !== undefined) headers.push('X-Telegram-Bot-Api-Secret-Token', config.secretToken);
  return headers;
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'Connection refused';
    case 'ECONNRESET':
    // undici's name for a connection the bot closed before answering.
    case 'UND_ERR_SOCKET':
      return 'Connection reset by peer';
    case 'ENOTFOUND':
      return 'Failed to resolve host: Name or service not known';
    default:
      return error.message;
  }
}
