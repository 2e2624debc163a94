/**
 * Every sleeping virtual user on one timer: a binary heap of wake times (parallel arrays, no object per
 * sleeper) with one `setTimeout` armed for the earliest. Ten thousand users thinking for a minute cost ten
 * thousand heap slots and promises, not ten thousand Node timers, timer lists and abort listeners.
 * Sleepers due at the same time wake in the order they went to sleep.
 *
 * @example
 * const wakeups = new Wakeups(() => runner.nowRunMs(), (ms) => clock.toRealMs(ms));
 * const awake = await wakeups.sleepUntil(nowMs + 60_000); // false if the run stopped first
 * wakeups.close(); // at abort: every sleeper resolves false
 */
export class Wakeups {
  /** Heap of wake times (run ms), with the order of arrival to break ties and each sleeper's resolve. */
  private readonly atMs: number[] = [];
  private readonly order: number[] = [];
  private readonly wake: Array<(awake: boolean) => void> = [];
  private arrivals = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedAtMs = Number.POSITIVE_INFINITY;
  private closed = false;

  /**
   * @param nowMs the sleepers' clock, e.g. simulated ms since the run started
   * @param toRealMs converts a span of that clock into real milliseconds (the time scale)
   */
  constructor(
    private readonly nowMs: () => number,
    private readonly toRealMs: (ms: number) => number,
  ) {}

  /** Sleepers waiting now. */
  get size(): number {
    return this.atMs.length;
  }

  /** Resolves true at `atMs` (at once if it has passed), or false when {@link close} comes first. */
  sleepUntil(atMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.push(atMs, resolve);
      if (atMs < this.armedAtMs) this.arm();
    });
  }

  /** Wakes every sleeper with false, now and for any later sleep (the run is stopping). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAtMs = Number.POSITIVE_INFINITY;
    const waiting = this.wake.splice(0);
    this.atMs.length = 0;
    this.order.length = 0;
    for (const resolve of waiting) resolve(false);
  }

  private arm(): void {
    clearTimeout(this.timer);
    const next = this.atMs[0];
    if (next === undefined) {
      this.timer = undefined;
      this.armedAtMs = Number.POSITIVE_INFINITY;
      return;
    }
    this.armedAtMs = next;
    this.timer = setTimeout(this.fire, Math.max(0, this.toRealMs(next - this.nowMs())));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    // Node's timers run on a millisecond loop clock and may fire a fraction of a millisecond early.
    const dueMs = this.nowMs();
    while (this.atMs.length > 0 && this.toRealMs(this.atMs[0]! - dueMs) < 1) this.pop()(true);
    this.arm();
  };

  private push(atMs: number, resolve: (awake: boolean) => void): void {
    let i = this.atMs.length;
    const order = this.arrivals++;
    this.atMs.push(atMs);
    this.order.push(order);
    this.wake.push(resolve);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(atMs, order, this.atMs[parent]!, this.order[parent]!)) break;
      this.move(parent, i);
      i = parent;
    }
    this.set(i, atMs, order, resolve);
  }

  private pop(): (awake: boolean) => void {
    const top = this.wake[0]!;
    const atMs = this.atMs.pop()!;
    const order = this.order.pop()!;
    const resolve = this.wake.pop()!;
    const size = this.atMs.length;
    if (size === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child =
        right < size && earlier(this.atMs[right]!, this.order[right]!, this.atMs[left]!, this.order[left]!)
          ? right
          : left;
      if (!earlier(this.atMs[child]!, this.order[child]!, atMs, order)) break;
      this.move(child, i);
      i = child;
    }
    this.set(i, atMs, order, resolve);
    return top;
  }

  private move(from: number, to: number): void {
    this.atMs[to] = this.atMs[from]!;
    this.order[to] = this.order[from]!;
    this.wake[to] = this.wake[from]!;
  }

  private set(slot: number, atMs: number, order: number, resolve: (awake: boolean) => void): void {
    this.atMs[slot] = atMs;
    this.order[slot] = order;
    this.wake[slot] = resolve;
  }
}

/** Whether a sleeper (time, arrival order) wakes before another. */
function earlier(atMs: number, order: number, otherAtMs: number, otherOrder: number): boolean {
  return atMs < otherAtMs || (atMs === otherAtMs && order < otherOrder);
}
