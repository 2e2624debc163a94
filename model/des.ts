import { Heap } from 'heap-js';

/**
 * A small discrete-event simulation kernel: an event calendar (heap-js's binary heap, ordered by time then
 * by insertion, so events at the same instant run first-in first-out and a seed gives one answer), FIFO
 * resources with c servers and an optional queue limit, and time-weighted statistics. Callback style rather
 * than processes or coroutines, for speed: a simulated day of 10,000 users is ~2M events.
 *
 * No maintained JavaScript DES library exists on npm (simjs and sim.js were last published in 2012-2014);
 * the calendar is the only part worth a library, and heap-js (maintained, typed) is that.
 */

interface Event {
  atMs: number;
  seq: number;
  run: () => void;
}

/**
 * The clock and the event calendar.
 *
 * @example
 * const sim = new Simulation();
 * sim.at(1000, () => console.log(sim.nowMs)); sim.runUntil(60_000);
 */
export class Simulation {
  nowMs = 0;
  private seq = 0;
  private readonly calendar = new Heap<Event>((a, b) => a.atMs - b.atMs || a.seq - b.seq);
  /** Events run so far (for benchmarks and runaway checks). */
  eventsRun = 0;

  /** Runs `run` at `atMs` (not before now). */
  at(atMs: number, run: () => void): void {
    this.calendar.push({ atMs: Math.max(atMs, this.nowMs), seq: this.seq++, run });
  }

  /** Runs `run` after `delayMs`. */
  after(delayMs: number, run: () => void): void {
    this.at(this.nowMs + Math.max(0, delayMs), run);
  }

  /** Runs events in time order until the calendar is empty or the next one is after `endMs`. */
  runUntil(endMs: number): void {
    for (;;) {
      const next = this.calendar.peek();
      if (next === undefined || next.atMs > endMs) break;
      this.calendar.pop();
      this.nowMs = next.atMs;
      this.eventsRun++;
      next.run();
    }
    this.nowMs = Math.max(this.nowMs, endMs);
  }
}

/**
 * A time-weighted average of a level (busy servers, queue length) over the simulation, also per bucket
 * for time series.
 */
export class TimeWeighted {
  private level = 0;
  private lastMs = 0;
  private area = 0;
  private readonly bucketArea: number[] = [];
  max = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly bucketMs: number,
  ) {}

  /** Changes the level by `delta` now. */
  add(delta: number): void {
    this.advance();
    this.level += delta;
    this.max = Math.max(this.max, this.level);
  }

  get value(): number {
    return this.level;
  }

  /** Mean level from 0 to `endMs`. */
  mean(endMs: number): number {
    this.advanceTo(endMs);
    return endMs > 0 ? this.area / endMs : 0;
  }

  /** Mean level in each bucket [i*bucketMs, (i+1)*bucketMs) up to `endMs`. */
  perBucket(endMs: number): number[] {
    this.advanceTo(endMs);
    const buckets = Math.ceil(endMs / this.bucketMs);
    return Array.from({ length: buckets }, (_, i) => {
      const width = Math.min(this.bucketMs, endMs - i * this.bucketMs);
      return width > 0 ? (this.bucketArea[i] ?? 0) / width : 0;
    });
  }

  private advance(): void {
    this.advanceTo(this.sim.nowMs);
  }

  private advanceTo(toMs: number): void {
    let from = this.lastMs;
    while (from < toMs) {
      const bucket = Math.floor(from / this.bucketMs);
      const edge = Math.min(toMs, (bucket + 1) * this.bucketMs);
      const piece = this.level * (edge - from);
      this.bucketArea[bucket] = (this.bucketArea[bucket] ?? 0) + piece;
      this.area += piece;
      from = edge;
    }
    this.lastMs = Math.max(this.lastMs, toMs);
  }
}

/**
 * c identical servers with a FIFO queue (optionally bounded): a bulkhead's slots, a pool's connections, an
 * event loop (c = 1), CPU cores. `acquire` calls back when a server is free; `release` hands it to the next.
 *
 * @example
 * const slots = new Resource(sim, 'claude', 10, { queueLimit: 100, bucketMs: 1000 });
 * if (!slots.acquire(() => { ...; slots.release(); })) rejected();
 */
export class Resource {
  private busyCount = 0;
  private readonly waiting: Array<{ atMs: number; grant: () => void }> = [];
  private head = 0;
  readonly busy: TimeWeighted;
  readonly queue: TimeWeighted;
  /** Sum of waits of every granted request, ms, and their count. */
  waitTotalMs = 0;
  granted = 0;
  rejected = 0;

  constructor(
    private readonly sim: Simulation,
    readonly name: string,
    public servers: number,
    options: { queueLimit?: number; bucketMs?: number } = {},
  ) {
    this.queueLimit = options.queueLimit ?? Number.POSITIVE_INFINITY;
    const bucketMs = options.bucketMs ?? 60_000;
    this.busy = new TimeWeighted(sim, bucketMs);
    this.queue = new TimeWeighted(sim, bucketMs);
  }

  private readonly queueLimit: number;

  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** Asks for a server; `grant` runs when one is free (at once if one is). False: the queue was full. */
  acquire(grant: () => void): boolean {
    if (this.busyCount < this.servers) {
      this.busyCount++;
      this.busy.add(1);
      this.granted++;
      grant();
      return true;
    }
    if (this.queued >= this.queueLimit) {
      this.rejected++;
      return false;
    }
    this.waiting.push({ atMs: this.sim.nowMs, grant });
    this.queue.add(1);
    return true;
  }

  /** Frees a server; the longest waiting request gets it. */
  release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      this.queue.add(-1);
      this.waitTotalMs += this.sim.nowMs - next.atMs;
      this.granted++;
      next.grant();
      return;
    }
    this.busyCount--;
    this.busy.add(-1);
  }

  /** Holds one server for `serviceMs`, then releases it and calls `done`. */
  serve(serviceMs: number, done: () => void): boolean {
    return this.acquire(() => {
      this.sim.after(serviceMs, () => {
        this.release();
        done();
      });
    });
  }
}

/**
 * A token bucket refilled continuously (Anthropic's rate limits are of this kind: capacity per minute,
 * replenished continuously). `take` says whether `amount` was available, and when it will be if not.
 *
 * @example
 * const rpm = new TokenBucket(1000, 1000 / 60_000); rpm.take(sim.nowMs, 1) // { ok: true, retryAfterMs: 0 }
 */
export class TokenBucket {
  private tokens: number;
  private lastMs = 0;

  constructor(
    private readonly capacity: number,
    private readonly refillPerMs: number,
  ) {
    this.tokens = capacity;
  }

  /** Takes `amount` if there is that much now; otherwise takes nothing and says how long until there is. */
  take(nowMs: number, amount: number): { ok: boolean; retryAfterMs: number } {
    this.tokens = Math.min(this.capacity, this.tokens + (nowMs - this.lastMs) * this.refillPerMs);
    this.lastMs = nowMs;
    if (this.tokens >= amount) {
      this.tokens -= amount;
      return { ok: true, retryAfterMs: 0 };
    }
    const needed = Math.min(amount, this.capacity) - this.tokens;
    return { ok: false, retryAfterMs: this.refillPerMs > 0 ? needed / this.refillPerMs : Number.POSITIVE_INFINITY };
  }

  /** Gives back tokens (the API refunds unused output-token estimates; we use it to settle actual usage). */
  add(nowMs: number, amount: number): void {
    this.take(nowMs, 0);
    this.tokens = Math.min(this.capacity, this.tokens + amount);
  }
}
