import { EventEmitter } from 'node:events';
import type { Clock } from '../common/clock.ts';
import type { FakeTelegram } from '../fakes/telegram/index.ts';
import { neverPressRegExp, type Scenario } from '../scenarios/schema.ts';
import { OpenDispatcher } from './arrival/dispatcher.ts';
import { buildSchedule } from './arrival/schedule.ts';
import type { ClosedSchedule, OpenSchedule, Phase, Schedule, VuPlan } from './arrival/types.ts';
import { expectedDigests } from './correlate/digests.ts';
import type { InjectedUpdate } from './correlate/types.ts';
import { type DriverContext, performAction, type VuState } from './driver/actions.ts';
import { CallFeed } from './driver/call-feed.ts';
import { fakeTelegramTarget, type TelegramTarget } from './driver/target.ts';
import { Wakeups } from './driver/wakeups.ts';
import { type MeasuredRun, measureRun } from './measure.ts';
import { createHistogram, recordValue } from './metrics/histogram.ts';
import { conversationLengthSampler, thinkTimeSampler } from './population/distributions.ts';
import { createPopulation, type Population, type VirtualUser } from './population/population.ts';
import { createStream, type RandomStream } from './population/random.ts';

const RESOLVED_TRUE = Promise.resolve(true);
const RESOLVED_FALSE = Promise.resolve(false);

/** Runner defaults, stated once. */
export const LOAD_RUNNER_DEFAULTS = {
  /** How often a remote fake's call record is polled (real ms); the in-process fake's is read as it grows. */
  pollIntervalRealMs: 5,
  /** How often a progress event is emitted (real ms). */
  progressIntervalRealMs: 1000,
  /** How often busy VUs are sampled for the time series (real ms). */
  sampleIntervalRealMs: 100,
  /** Whether the bot sends digests the run must account for. */
  expectDigests: true,
  /** Whether to wait for the scenario's simulated start when the clock is still before it. */
  waitForStart: true,
} as const;

/**
 * Options of {@link LoadRunner}: a started fake Telegram and the bot's token (or any {@link TelegramTarget}),
 * a validated scenario and the run's clock.
 */
export interface LoadRunnerOptions {
  scenario: Scenario;
  /** The run's shared clock (its timeScale plays the simulated schedule). */
  clock: Clock;
  /** The in-process fake Telegram; with `token`. Ignored when `target` is given. */
  fake?: FakeTelegram;
  /** The bot's token on the fake. Default: the fake's first token. */
  token?: string;
  /** Any other Telegram target (e.g. a remote fake's control API). */
  target?: TelegramTarget;
  /** Default: created from the scenario (same seed, same users) - pass the one the orchestrator seeded the bot with. */
  population?: Population;
  /** The minute the bot really assigned a user (slotting); undefined keeps the user's choice. */
  expectedDigestMinute?: (userId: number) => number | undefined;
  /**
   * Whether the bot sends digests in this run (the orchestrator knows from the bot's resolved config).
   * Default {@link LOAD_RUNNER_DEFAULTS}.expectDigests.
   */
  expectDigests?: boolean;
  /**
   * When the clock is still before the scenario's simulated start (`date` + `start`), wait for it, so an
   * orchestrator can anchor the shared clock a little in the future while bots boot.
   * Default {@link LOAD_RUNNER_DEFAULTS}.waitForStart.
   */
  waitForStart?: boolean;
  /** Aborts the run; the measurements cover what ran and `status` is `aborted`. */
  signal?: AbortSignal;
  /** Default {@link LOAD_RUNNER_DEFAULTS}.pollIntervalRealMs. */
  pollIntervalRealMs?: number;
  /** Default {@link LOAD_RUNNER_DEFAULTS}.progressIntervalRealMs. */
  progressIntervalRealMs?: number;
}

/** What a progress printer needs, once a second. Times in simulated ms unless named Real. */
export interface ProgressEvent {
  phase: string;
  elapsedMs: number;
  durationMs: number;
  elapsedRealS: number;
  etaRealS: number;
  activeVus: number;
  updatesInjected: number;
  /** Per simulated second, over the last interval. */
  updatesPerS: number;
  repliesPerS: number;
  /**
   * p95 of the replies seen in the last interval, simulated ms (live estimate; the result is authoritative).
   * Null when none came: a stalled bot must not read as a fast one.
   */
  p95Ms: number | null;
  errors: number;
  dropped: number;
}

export interface LoadRunnerEvents {
  progress: [ProgressEvent];
  phase: [Phase];
  /**
   * The load is over and its measurement begins: one correlation of every update with the bot's calls, which
   * takes seconds on a large run. Nothing simulated runs from here on, so CPU spent after it is not lab delay.
   */
  measuring: [{ updates: number; calls: number }];
}

/**
 * Plays a scenario's arrival schedule against a bot through the fake Telegram and measures it: the runner
 * only injects, records and emits events (progress printing belongs to the CLI); the numbers come from
 * one correlation of the fake's records at the end ({@link measureRun}).
 *
 * @example
 * const runner = new LoadRunner({ fake, token, scenario, clock });
 * runner.on('progress', (p) => printer.update(p));
 * const measured = await runner.run(); // load, latency, correctness, telegram, timeSeries, phases
 */
export class LoadRunner extends EventEmitter<LoadRunnerEvents> {
  readonly schedule: Schedule;
  readonly population: Population;
  /** Every update injected, on the run's axis (kept for inspection after the run). */
  readonly updates: InjectedUpdate[] = [];
  private readonly target: TelegramTarget;
  private readonly scenario: Scenario;
  private readonly clock: Clock;
  private readonly stop = new AbortController();
  /** Every sleeping VU, on one timer. */
  private readonly wakeups: Wakeups;
  private readonly onboarded = new Map<number, number>();
  private readonly assignedMinutes = new Map<number, number>();
  private readonly runnerErrors: Array<{ kind: string; atMs: number }> = [];
  private readonly droppedAtMs: number[] = [];
  private readonly activeSamples: Array<[number, number]> = [];
  private readonly thinkTime: ReturnType<typeof thinkTimeSampler>;
  private readonly conversationLength: ReturnType<typeof conversationLengthSampler>;
  private liveLatency = createHistogram();
  private active = 0;
  private peakActive = 0;
  private startRunMs = 0;
  private startFakeMs = 0;
  private started = false;

  constructor(private readonly options: LoadRunnerOptions) {
    super();
    this.scenario = options.scenario;
    this.clock = options.clock;
    this.wakeups = new Wakeups(
      () => this.nowRunMs(),
      (ms) => this.clock.toRealMs(ms),
    );
    this.stop.signal.addEventListener('abort', () => this.wakeups.close(), { once: true });
    this.target = options.target ?? targetOf(options);
    this.schedule = buildSchedule(this.scenario);
    this.population = options.population ?? createPopulation(this.scenario.population, this.scenario.seed);
    this.thinkTime = thinkTimeSampler(this.scenario.behaviour.thinkTime);
    this.conversationLength = conversationLengthSampler(this.scenario.behaviour.conversationLength);
  }

  /** Runs the schedule to its end (or abort) and returns the measured parts of the RunResult. */
  async run(): Promise<MeasuredRun> {
    if (this.started) throw new Error('LoadRunner.run() was already called; create a new LoadRunner for another run');
    this.started = true;
    const pollMs = this.options.pollIntervalRealMs ?? LOAD_RUNNER_DEFAULTS.pollIntervalRealMs;
    const progressMs = this.options.progressIntervalRealMs ?? LOAD_RUNNER_DEFAULTS.progressIntervalRealMs;
    const onAbort = () => this.stop.abort();
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    if (this.options.waitForStart ?? LOAD_RUNNER_DEFAULTS.waitForStart) {
      const untilStartMs = Date.parse(`${this.scenario.date}T${this.scenario.start}:00Z`) - this.clock.nowMs();
      if (untilStartMs > 0) await this.clock.sleepMs(untilStartMs, this.stop.signal).catch(() => {});
    }
    this.startFakeMs = this.target.nowMs();
    this.startRunMs = this.clock.monotonicMs();
    const startEpochMs = this.clock.nowMs();
    const startRealMs = performance.now();
    // The run's calls are those from its start: the bots' start-up calls (getMe, setWebhook, ...) are not load.
    const feed = new CallFeed(
      this.target,
      (fakeMs) => this.toRunMs(fakeMs),
      this.scenario.replies,
      this.target.callCount(),
    );
    const ctx = this.driverContext(feed);
    feed.follow(pollMs);
    const sampler = setInterval(
      () => this.activeSamples.push([this.nowRunMs(), this.active]),
      LOAD_RUNNER_DEFAULTS.sampleIntervalRealMs,
    );
    const progress = this.startProgress(progressMs, startRealMs, feed);
    try {
      if (this.schedule.kind === 'closed') await this.runClosed(ctx, this.schedule);
      else await this.runOpen(ctx, this.schedule);
    } finally {
      this.wakeups.close();
      clearInterval(sampler);
      clearInterval(progress);
      feed.poll();
      feed.close();
      this.options.signal?.removeEventListener('abort', onAbort);
    }
    this.emit('measuring', { updates: this.updates.length, calls: feed.calls.length });
    const aborted = this.options.signal?.aborted === true;
    // An aborted run is measured over what ran: no digests owed, no empty buckets, after the stop.
    const durationMs = aborted ? Math.min(this.nowRunMs(), this.schedule.durationMs) : this.schedule.durationMs;
    const digests = this.expectsDigests()
      ? expectedDigests(
          this.scenario.population.onboarded
            ? this.population.users
            : this.population.users.filter((u) => this.onboarded.has(u.userId)),
          {
            startEpochMs,
            durationMs,
            expectedDigestMinute: (userId) =>
              this.options.expectedDigestMinute?.(userId) ?? this.assignedMinutes.get(userId),
            knownSinceMs: (userId) => this.onboarded.get(userId),
            seededBeforeRun: this.scenario.population.onboarded,
          },
        )
      : { expected: [], usersMoved: 0 };
    const { accounting: _accounting, ...measured } = measureRun({
      scenario: this.scenario,
      phases: this.schedule.phases,
      durationMs,
      durationRealS: (performance.now() - startRealMs) / 1000,
      status: aborted ? 'aborted' : 'completed',
      timeScale: this.clock.timeScale,
      updates: this.updates,
      calls: feed.calls,
      replyProcessingLags: feed.replyProcessingLags,
      droppedAtMs: this.droppedAtMs,
      peakVus: this.peakActive,
      activeVus: this.activeSamples,
      runnerErrors: this.runnerErrors,
      expectedDigests: digests.expected,
      usersMoved: digests.usersMoved,
      serverCounters: this.target.counters(),
    });
    return measured;
  }

  /**
   * Starts each VU when its first interval begins (a ramp to 10,000 does not hold 10,000 sleeping VUs from
   * the first second), then waits for all of them.
   */
  private async runClosed(ctx: DriverContext, schedule: ClosedSchedule): Promise<void> {
    const users = new OpenDispatcher(this.population.users.length, schedule.peakVus);
    const byStart = schedule.vus
      .filter((plan) => plan.intervals.length > 0)
      .sort((a, b) => a.intervals[0]![0] - b.intervals[0]![0] || a.vu - b.vu);
    const running: Array<Promise<void>> = [];
    for (const plan of byStart) {
      if (!(await this.pauseUntil(plan.intervals[0]![0], Number.POSITIVE_INFINITY))) break;
      running.push(this.runVu(ctx, plan, schedule, users));
    }
    await Promise.all(running);
  }

  /**
   * One closed-model VU: conversations of the next free user, think time between actions, until its interval
   * ends. Its state is this function's locals and one {@link VuState} per conversation; the driver context
   * and the functions are the run's, shared by every VU.
   */
  private async runVu(
    ctx: DriverContext,
    plan: VuPlan,
    schedule: ClosedSchedule,
    users: OpenDispatcher,
  ): Promise<void> {
    const size = this.population.users.length;
    let rng: RandomStream | undefined;
    let conversation = 0;
    // An index loop: a for-of would keep an iterator object per VU for the whole run.
    for (let i = 0; i < plan.intervals.length; i++) {
      const [startMs, stopMs] = plan.intervals[i]!;
      if (!(await this.pauseUntil(startMs, Number.POSITIVE_INFINITY))) return;
      // Created when the VU first starts, so VUs still waiting for their ramp hold no stream.
      rng ??= createStream(schedule.seed, `vu-${plan.vu}`);
      while (this.nowRunMs() < stopMs && !this.stop.signal.aborted) {
        const taken = users.start({ userIndex: (plan.vu + conversation++ * schedule.peakVus) % size });
        if (!taken.started) return;
        const vu: VuState = { user: this.population.users[taken.userIndex]!, rng, stopMs };
        this.setActive(+1);
        try {
          let intendedMs = this.nowRunMs();
          for (let step = this.conversationLength(rng); step > 0; step--) {
            await performAction(ctx, vu, this.nextAction(vu.user, rng), intendedMs);
            const thinkMs = this.thinkTime(rng);
            const pausedAtMs = this.nowRunMs();
            if (!(await this.pauseUntil(pausedAtMs + thinkMs, stopMs))) break;
            intendedMs = pausedAtMs + thinkMs;
          }
        } finally {
          users.finish(vu.user.index);
          this.setActive(-1);
        }
      }
    }
  }

  private async runOpen(ctx: DriverContext, schedule: OpenSchedule): Promise<void> {
    const dispatcher = new OpenDispatcher(this.population.users.length, schedule.maxVus);
    const inFlight = new Set<Promise<void>>();
    for (const [i, arrival] of schedule.arrivals.entries()) {
      if (!(await this.pauseUntil(arrival.atMs, Number.POSITIVE_INFINITY))) break;
      const outcome = dispatcher.start(arrival);
      if (!outcome.started) {
        this.droppedAtMs.push(arrival.atMs);
        continue;
      }
      const user = this.population.users[outcome.userIndex]!;
      const rng = createStream(schedule.seed, `arrival-${i}`);
      const action = this.nextAction(user, rng, arrival.action);
      this.setActive(+1);
      const vu: VuState = { user, rng, stopMs: Number.POSITIVE_INFINITY };
      const done = performAction(ctx, vu, action, arrival.atMs).finally(() => {
        dispatcher.finish(user.index);
        this.setActive(-1);
        inFlight.delete(done);
      });
      inFlight.add(done);
    }
    await Promise.all(inFlight);
  }

  /** Users the bot does not know yet start with /start; everyone else follows the mix. */
  private nextAction(user: VirtualUser, rng: RandomStream, planned?: OpenSchedule['arrivals'][number]['action']) {
    if (!this.scenario.population.onboarded && !this.onboarded.has(user.userId)) return 'start' as const;
    return planned ?? rng.weighted(this.scenario.behaviour.mix);
  }

  /** The run's one driver context: every VU shares it (per-VU state travels in {@link VuState}). */
  private driverContext(feed: CallFeed): DriverContext {
    return {
      target: this.target,
      feed,
      behaviour: this.scenario.behaviour,
      neverPress: neverPressRegExp(this.scenario.behaviour.neverPress),
      deadlineMs: this.scenario.replies.deadline,
      timeScale: this.clock.timeScale,
      nowRunMs: () => this.nowRunMs(),
      toRunMs: (fakeMs) => this.toRunMs(fakeMs),
      toFakeMs: (runMs) => this.startFakeMs + runMs / this.clock.timeScale,
      pause: (ms, stopMs) => this.pauseUntil(this.nowRunMs() + ms, stopMs),
      thinkTimeMs: (rng) => this.thinkTime(rng),
      recordUpdate: (update) => this.updates.push(update),
      recordError: (kind, atMs) => this.runnerErrors.push({ kind, atMs }),
      observeReply: (latencyMs) => recordValue(this.liveLatency, latencyMs),
      onboarded: this.onboarded,
      assignedMinutes: this.assignedMinutes,
    };
  }

  /**
   * Sleeps until `untilMs` on the run's axis; false if `stopMs` or the run's end came first. Not an async
   * function: a sleeping VU holds the sleep's one promise and nothing more.
   */
  private pauseUntil(untilMs: number, stopMs: number): Promise<boolean> {
    if (this.stop.signal.aborted) return RESOLVED_FALSE;
    const inTime = untilMs <= stopMs;
    const targetMs = inTime ? untilMs : stopMs;
    if (targetMs <= this.nowRunMs()) return inTime ? RESOLVED_TRUE : RESOLVED_FALSE;
    // Woken at `stopMs` before `untilMs`, or by the run's abort: false either way.
    return inTime ? this.wakeups.sleepUntil(targetMs) : this.wakeups.sleepUntil(targetMs).then(() => false);
  }

  private nowRunMs(): number {
    return this.clock.monotonicMs() - this.startRunMs;
  }

  private toRunMs(fakeMs: number): number {
    return (fakeMs - this.startFakeMs) * this.clock.timeScale;
  }

  private setActive(delta: number): void {
    this.active += delta;
    this.peakActive = Math.max(this.peakActive, this.active);
  }

  private expectsDigests(): boolean {
    return this.options.expectDigests ?? LOAD_RUNNER_DEFAULTS.expectDigests;
  }

  private startProgress(intervalRealMs: number, startRealMs: number, feed: CallFeed): NodeJS.Timeout {
    let phaseName = '';
    let last = { realMs: startRealMs, injected: 0, replies: 0 };
    const tick = () => {
      const nowRealMs = performance.now();
      const elapsedMs = this.nowRunMs();
      const phase = this.schedule.phases.find((p) => elapsedMs >= p.startMs && elapsedMs < p.endMs) ??
        this.schedule.phases.at(-1) ?? { name: 'run', startMs: 0, endMs: this.schedule.durationMs };
      if (phase.name !== phaseName) {
        phaseName = phase.name;
        this.emit('phase', phase);
      }
      const intervalSimS = Math.max(1e-9, ((nowRealMs - last.realMs) / 1000) * this.clock.timeScale);
      const elapsedRealS = (nowRealMs - startRealMs) / 1000;
      const remainingMs = Math.max(0, this.schedule.durationMs - elapsedMs);
      this.emit('progress', {
        phase: phase.name,
        elapsedMs,
        durationMs: this.schedule.durationMs,
        elapsedRealS,
        etaRealS: remainingMs / 1000 / this.clock.timeScale,
        activeVus: this.active,
        updatesInjected: this.updates.length,
        updatesPerS: (this.updates.length - last.injected) / intervalSimS,
        repliesPerS: (feed.replies - last.replies) / intervalSimS,
        p95Ms: this.liveLatency.totalCount === 0 ? null : this.liveLatency.getValueAtPercentile(95),
        errors: feed.failedCalls + this.runnerErrors.length + this.droppedAtMs.length,
        dropped: this.droppedAtMs.length,
      });
      this.liveLatency = createHistogram();
      last = { realMs: nowRealMs, injected: this.updates.length, replies: feed.replies };
    };
    return setInterval(tick, intervalRealMs);
  }
}

function targetOf(options: LoadRunnerOptions): TelegramTarget {
  if (options.fake === undefined) throw new TypeError('LoadRunner needs `fake` (with `token`) or `target`');
  return fakeTelegramTarget(options.fake, options.token ?? options.fake.tokens[0]!);
}
