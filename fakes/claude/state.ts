/**
 * The runtime state of one fake server: the parts every handler shares (clock, cache, limiter, recorder,
 * batches, fault schedule) and the operations the control API exposes, typed.
 */
import type { Clock } from '../../common/clock.ts';
import { Batches } from './batches.ts';
import type { EngineContext } from './engine.ts';
import { type FaultSchedule, faultScheduleSchema } from './faults.ts';
import { resolveLatency } from './latency.ts';
import { parseOption, type ResolvedOptions } from './options.ts';
import { PromptCache } from './prompt-cache.ts';
import { createRng, idSalt, makeId, type Rng } from './random.ts';
import { RateLimiter } from './rate-limiter.ts';
import { type CallRecord, Recorder, type UsageSummary } from './recorder.ts';
import { createThinkingSigner, type ThinkingSigner } from './thinking.ts';
import { type TierSetting, tierSettingSchema } from './tiers.ts';

/**
 * @example
 * const state = new FakeClaudeState(resolveOptions({ latency: 'zero' }));
 * state.setFaults({ windows: [{ fromMs: 0, toMs: 60_000, rate: 0.1, kind: '529' }] });
 */
export class FakeClaudeState {
  readonly clock: Clock;
  readonly cache: PromptCache;
  readonly limiter: RateLimiter;
  readonly recorder: Recorder;
  readonly batches: Batches;
  readonly engine: EngineContext;
  readonly idSalt: string;
  readonly faultRng: Rng;
  /** Signs and checks thinking blocks. */
  readonly signer: ThinkingSigner;
  /** Run time origin for fault windows and call records (simulated ms on the clock's monotonic scale). */
  private readonly startedAtMs: number;
  private faults: FaultSchedule;
  private counter = 0;
  baseUrl = '';

  constructor(readonly options: ResolvedOptions) {
    this.clock = options.clock;
    this.startedAtMs = this.clock.monotonicMs();
    this.cache = new PromptCache(this.clock);
    this.limiter = new RateLimiter(this.clock, options.tier);
    this.recorder = new Recorder(options.maxRecords);
    this.idSalt = idSalt(options.seed);
    this.faultRng = createRng(options.seed ^ 0x0fa17);
    this.faults = options.faults;
    this.signer = createThinkingSigner(options.seed);
    this.engine = {
      seed: options.seed,
      clock: this.clock,
      cache: this.cache,
      latency: resolveLatency(options.latency),
      outputLength: options.outputLength,
      thinkingLength: options.thinkingLength,
      toolUse: options.toolUse,
      signer: this.signer,
      nextId: (prefix) => this.nextId(prefix),
    };
    this.batches = new Batches({
      clock: this.clock,
      engine: this.engine,
      recorder: this.recorder,
      processing: options.batchProcessing,
      idSalt: this.idSalt,
      baseUrl: () => this.baseUrl,
    });
  }

  /** Simulated ms since the fake started: the time fault windows and records use. */
  runMs(): number {
    return this.clock.monotonicMs() - this.startedAtMs;
  }

  nextId(prefix: string): string {
    return makeId(prefix, ++this.counter, this.idSalt);
  }

  /** The live schedule (not a copy): read on every call, so it must stay cheap. */
  activeFaults(): FaultSchedule {
    return this.faults;
  }

  getFaults(): FaultSchedule {
    return structuredClone(this.faults);
  }

  /** Replaces the fault schedule; throws ConfigError naming the bad field. */
  setFaults(schedule: unknown): FaultSchedule {
    this.faults = parseOption('faults', faultScheduleSchema, schedule);
    return this.getFaults();
  }

  getTier(): TierSetting {
    return this.limiter.tier;
  }

  /** Switches the rate-limit tier; buckets restart full. Throws ConfigError on a bad tier. */
  setTier(tier: unknown): TierSetting {
    this.limiter.setTier(parseOption('tier', tierSettingSchema, tier));
    return this.limiter.tier;
  }

  usage(): UsageSummary {
    return this.recorder.usage();
  }

  calls(query: { since?: number; limit?: number } = {}): CallRecord[] {
    return this.recorder.calls(query);
  }

  /** Forgets records, cache entries, bucket levels and batches; keeps the fault schedule and tier. */
  reset(): void {
    this.recorder.reset();
    this.cache.clear();
    this.limiter.reset();
    this.batches.clear();
  }
}
