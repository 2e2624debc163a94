import type { Arrival, OpenSchedule } from './types.ts';

/** What happened to one arrival at its intended time. */
export type DispatchOutcome =
  | { started: true; userIndex: number }
  | { started: false; reason: 'no-idle-vu' | 'no-idle-chat' };

/**
 * Decides, at an arrival's intended time, which user (chat) takes it - or drops it. Open models count
 * what could not be injected on time (k6 `dropped_iterations`): with `maxVus` VUs busy, or every chat
 * still waiting for a reply, the arrival is dropped rather than delayed, because a delayed arrival would
 * hide the stall that caused it. A user never has two updates outstanding, so replies correlate
 * unambiguously. Pure: time is whatever the caller says it is.
 *
 * @example
 * const d = new OpenDispatcher(1000, 50);
 * const out = d.start(arrival); // { started: true, userIndex: 17 }
 * d.finish(17);
 */
export class OpenDispatcher {
  private readonly busy: Uint8Array;
  private busyCount = 0;
  /** Most VUs busy at once so far. */
  peakBusy = 0;
  dropped = 0;

  constructor(
    private readonly populationSize: number,
    private readonly maxVus: number,
  ) {
    this.busy = new Uint8Array(populationSize);
  }

  get active(): number {
    return this.busyCount;
  }

  start(arrival: Pick<Arrival, 'userIndex'>): DispatchOutcome {
    if (this.busyCount >= this.maxVus) {
      this.dropped++;
      return { started: false, reason: 'no-idle-vu' };
    }
    const userIndex = this.idleFrom(arrival.userIndex);
    if (userIndex === undefined) {
      this.dropped++;
      return { started: false, reason: 'no-idle-chat' };
    }
    this.busy[userIndex] = 1;
    this.busyCount++;
    this.peakBusy = Math.max(this.peakBusy, this.busyCount);
    return { started: true, userIndex };
  }

  finish(userIndex: number): void {
    if (this.busy[userIndex] !== 1) return;
    this.busy[userIndex] = 0;
    this.busyCount--;
  }

  /** The preferred user if idle, else the next idle one after it (wrapping): deterministic for a given history. */
  private idleFrom(preferred: number): number | undefined {
    for (let step = 0; step < this.populationSize; step++) {
      const index = (preferred + step) % this.populationSize;
      if (this.busy[index] === 0) return index;
    }
    return undefined;
  }
}

/** Result of replaying an open schedule against assumed service times. */
export interface OpenSimulation {
  started: number;
  dropped: number;
  peakBusy: number;
  /** Intended times of the dropped arrivals. */
  droppedAtMs: number[];
}

/**
 * Replays an open schedule on a virtual timeline with assumed per-arrival busy times (reply time), to see
 * which arrivals a given bot speed would drop - without running anything. Used by tests and what-ifs.
 *
 * @example
 * simulateOpen(schedule, 1000, (a) => (a.atMs >= 10_000 && a.atMs < 12_000 ? 2_000 : 50)).dropped
 */
export function simulateOpen(
  schedule: OpenSchedule,
  populationSize: number,
  busyMs: (arrival: Arrival) => number,
): OpenSimulation {
  const dispatcher = new OpenDispatcher(populationSize, schedule.maxVus);
  const releases: Array<{ atMs: number; userIndex: number }> = [];
  const droppedAtMs: number[] = [];
  let started = 0;
  for (const arrival of schedule.arrivals) {
    // Release every VU whose reply came at or before this arrival's intended time (releases kept sorted).
    while (releases.length > 0 && releases[0]!.atMs <= arrival.atMs) dispatcher.finish(releases.shift()!.userIndex);
    const outcome = dispatcher.start(arrival);
    if (!outcome.started) {
      droppedAtMs.push(arrival.atMs);
      continue;
    }
    started++;
    const release = { atMs: arrival.atMs + busyMs(arrival), userIndex: outcome.userIndex };
    const at = releases.findIndex((r) => r.atMs > release.atMs);
    releases.splice(at < 0 ? releases.length : at, 0, release);
  }
  return { started, dropped: dispatcher.dropped, peakBusy: dispatcher.peakBusy, droppedAtMs };
}
