import { createRng, type Rng } from '../common/random.ts';
import { drawLatency, type LatencyProfile } from '../fakes/claude/latency.ts';
import type { ModelClass } from '../fakes/claude/models.ts';
import { lognormalFromMedianP95 } from '../fakes/claude/random.ts';
import { INTERACTIVE_CLASSES, type InteractiveClass } from '../reports/analysis/day-model.ts';
import { type Configuration, type Host, tierLimits } from './configuration.ts';
import type { ClassDemand } from './demands.ts';
import { Resource, Simulation, TokenBucket } from './des.ts';
import type { DemandClass } from './intervals.ts';
import type { Workload } from './workload.ts';

/**
 * The whole bot as a discrete-event simulation: Telegram delivery (webhook max_connections shared by every
 * instance, or one polling loop with its sink), each instance's event loop, its pg pool (and PgBouncer's
 * server pool), PostgreSQL's CPU, the Claude bulkhead and its queue, Anthropic's RPM/ITPM/OTPM buckets with
 * retries, Telegram's 30 msg/s flood limit, and the digest scheduler (ticks, send concurrency, claim mode,
 * content cache, batch pre-generation). On a `lab` host every process shares the machine's cores and CPU reads
 * `timeScale`-fold (how a replay on this machine behaves); on a `production` host each instance has its vCPUs.
 * Seeded: the same input gives the same answer.
 *
 * Left out (said in every report): per-chat ordering of webhook deliveries (a user waits for a reply before the
 * next update anyway), GC pauses, network latency to Telegram and Anthropic beyond the API's own latency.
 */
export interface SimulationInput {
  demands: Record<DemandClass, ClassDemand>;
  configuration: Configuration;
  host: Host;
  /** Claude's latency per model class (the fake's profile: the lab's and, by design, the API's). */
  latency: LatencyProfile;
  workload: Workload;
  /** An update without a reply by then is lost (simulated ms). */
  replyDeadlineMs: number;
  seed: number;
  /** Width of the per-resource time series buckets, simulated ms. Default: 1 real second of the host. */
  bucketMs?: number;
  /** Model classes of the big and the small model. Default sonnet / haiku. */
  models?: { big: ModelClass; small: ModelClass };
}

/** One update's fate, simulated ms since the start. */
export interface SimulatedUpdate {
  cls: InteractiveClass;
  arrivalMs: number;
  /** First visible output (chat action or callback answer); NaN if none. */
  firstMs: number;
  /** The final reply; NaN if none (lost). */
  finalMs: number;
  fallback: boolean;
}

export interface SimulatedResource {
  name: string;
  servers: number;
  busyPerBucket: number[];
  queuePerBucket: number[];
  meanBusy: number;
  maxQueue: number;
  rejected: number;
}

export interface SimulationOutput {
  durationMs: number;
  bucketMs: number;
  updates: SimulatedUpdate[];
  digests: Array<{ scheduledMs: number; sentMs: number }>;
  resources: SimulatedResource[];
  counters: {
    bulkheadRejected: number;
    claude429: number;
    claudeFailed: number;
    poolTimeouts: number;
    webhookTimeouts: number;
    telegram429: number;
  };
  activeVus: Array<[number, number]>;
  phases: Workload['phases'];
  events: number;
}

interface Instance {
  loop: Resource;
  pool: Resource;
  bulkhead: Resource;
  senders: Resource;
}

/** Simulates the workload on the configuration; returns every update's latency and each resource's course. */
export function simulate(input: SimulationInput): SimulationOutput {
  const { configuration: config, host, workload, demands } = input;
  const sim = new Simulation();
  const rng = createRng(input.seed);
  const thinkRng = createRng(input.seed ^ 0x5bd1e995);
  const claudeRng = createRng(input.seed ^ 0x27d4eb2f);
  const models = input.models ?? { big: 'sonnet', small: 'haiku' };
  const scale = host.kind === 'lab' ? host.timeScale : 1;
  const bucketMs = input.bucketMs ?? 1000 * scale;
  const resource = (name: string, servers: number, queueLimit?: number) =>
    new Resource(sim, name, servers, { bucketMs, ...(queueLimit === undefined ? {} : { queueLimit }) });

  // Real work in simulated ms: a lab's clock runs `scale` times fast; a production instance's vCPU share slows it.
  const cpuMs = (cpuS: number) => (host.kind === 'lab' ? cpuS * 1000 * scale : (cpuS * 1000) / host.vcpuPerInstance);
  const dbMs = (s: number) => s * 1000 * scale;
  const pgCpuMs = (s: number) => (host.kind === 'lab' ? s * 1000 * scale : (s * 1000) / Math.min(1, host.postgresVcpu));
  const cores = host.kind === 'lab' ? resource('lab cores', host.cores) : undefined;
  const postgres = host.kind === 'lab' ? cores! : resource('postgres cpu', Math.max(1, Math.floor(host.postgresVcpu)));
  const usable = config.maxConnections - config.reservedConnections;
  const perInstancePool =
    config.pgbouncerPoolSize === null
      ? Math.max(1, Math.min(config.poolMax, Math.floor(usable / config.instances)))
      : config.poolMax;
  const bouncer = config.pgbouncerPoolSize === null ? undefined : resource('pgbouncer pool', config.pgbouncerPoolSize);
  const instances: Instance[] = Array.from({ length: config.instances }, (_, i) => ({
    loop: resource(`bot-${i + 1} event loop`, 1),
    pool: resource(`bot-${i + 1} pg pool`, perInstancePool),
    bulkhead: resource(`bot-${i + 1} claude bulkhead`, config.bulkheadConcurrency, config.bulkheadQueue),
    senders: resource(`bot-${i + 1} digest senders`, config.scheduler.sendConcurrency),
  }));
  const delivery =
    config.transport === 'webhook'
      ? resource('webhook connections', config.webhookMaxConnections)
      : resource('polling sink', config.sinkConcurrency);
  const limits = tierLimits(config.claudeTier);
  const buckets = new Map<ModelClass, { rpm: TokenBucket; itpm: TokenBucket; otpm: TokenBucket }>();
  const bucketsFor = (cls: ModelClass) => {
    if (limits === undefined) return undefined;
    let b = buckets.get(cls);
    if (b === undefined) {
      const l = limits[cls];
      b = {
        rpm: new TokenBucket(l.requestsPerMin, l.requestsPerMin / 60_000),
        itpm: new TokenBucket(l.inputTokensPerMin, l.inputTokensPerMin / 60_000),
        otpm: new TokenBucket(l.outputTokensPerMin, l.outputTokensPerMin / 60_000),
      };
      buckets.set(cls, b);
    }
    return b;
  };
  // Telegram's flood control: 30 messages/s for the bot (burst 30); a refused send waits whole seconds.
  const flood = new TokenBucket(30, 30 / 1000);
  const counters: SimulationOutput['counters'] = {
    bulkheadRejected: 0,
    claude429: 0,
    claudeFailed: 0,
    poolTimeouts: 0,
    webhookTimeouts: 0,
    telegram429: 0,
  };

  /** A CPU burst on the instance's event loop (and, in the lab, on one of the shared cores). */
  const cpu = (instance: Instance, cpuS: number, done: () => void) => {
    if (cpuS <= 0) return done();
    instance.loop.acquire(() => {
      const finish = () => {
        instance.loop.release();
        done();
      };
      if (cores !== undefined) cores.serve(cpuMs(cpuS), finish);
      else sim.after(cpuMs(cpuS), finish);
    });
  };

  /** Holds a pool connection (and a bouncer server connection) for the database part of the work. */
  const database = (instance: Instance, holdS: number, pgS: number, done: (ok: boolean) => void) => {
    if (holdS <= 0 && pgS <= 0) return done(true);
    let granted = false;
    let timedOut = false;
    // The bot's pool timeout is a simulated duration (bot/config/real-time.ts): the same at every time scale.
    const timeoutMs = config.poolConnectionTimeoutMs;
    const timer = () => {
      if (granted) return;
      timedOut = true;
      counters.poolTimeouts++;
      done(false);
    };
    sim.after(timeoutMs, timer);
    instance.pool.acquire(() => {
      if (timedOut) return instance.pool.release();
      granted = true;
      const work = (release: () => void) => {
        postgres.serve(pgCpuMs(pgS), () =>
          sim.after(Math.max(0, dbMs(holdS) - pgCpuMs(pgS)), () => {
            release();
            done(true);
          }),
        );
      };
      if (bouncer === undefined) work(() => instance.pool.release());
      else
        bouncer.acquire(() =>
          work(() => {
            bouncer.release();
            instance.pool.release();
          }),
        );
    });
  };

  // Claude's latency: the profile's shape (TTFT, output speed per model class), scaled to the measured mean call
  // duration of the class (slot-seconds / calls) when the demands carry one, so the simulation and the
  // operational analysis agree on the offered load.
  const latencyScale = new Map<ClassDemand, number>();
  const scaleFor = (demand: ClassDemand): number => {
    let factor = latencyScale.get(demand);
    if (factor !== undefined) return factor;
    const targetMs = demand.claudeCalls > 0 ? (demand.claudeSlotS / demand.claudeCalls) * 1000 : 0;
    const probe = createRng(0x1b873593);
    let sum = 0;
    const draws = 2_000;
    for (let i = 0; i < draws; i++) {
      const cls = probe() < demand.smallModelShare ? models.small : models.big;
      const d = drawLatency(input.latency, cls, demand.tokensPerCall.input, probe);
      sum += d.ttftMs + demand.tokensPerCall.output * d.msPerOutputToken;
    }
    factor = targetMs > 0 && sum > 0 ? targetMs / (sum / draws) : 1;
    latencyScale.set(demand, factor);
    return factor;
  };

  /** One Claude call through the instance's bulkhead and the tier's buckets, with the bot's retries. */
  const claude = (instance: Instance, demand: ClassDemand, small: boolean, done: (ok: boolean) => void) => {
    const modelClass = small ? models.small : models.big;
    const t = demand.tokensPerCall;
    const inputTokens = t.input + t.cacheWrite;
    const admitted = instance.bulkhead.acquire(() => {
      const attempt = (n: number) => {
        const b = bucketsFor(modelClass);
        if (b !== undefined) {
          const r = b.rpm.take(sim.nowMs, 1);
          const i = r.ok ? b.itpm.take(sim.nowMs, inputTokens) : r;
          const o = i.ok ? b.otpm.take(sim.nowMs, t.output) : i;
          if (!o.ok) {
            counters.claude429++;
            if (n >= config.retryMaxAttempts) {
              counters.claudeFailed++;
              instance.bulkhead.release();
              return done(false);
            }
            const backoff = Math.min(config.retryMaxDelayMs, config.retryInitialDelayMs * 2 ** n);
            sim.after(Math.max(backoff, Math.ceil(o.retryAfterMs / 1000) * 1000), () => attempt(n + 1));
            return;
          }
        }
        const draw = drawLatency(input.latency, modelClass, t.input, claudeRng);
        sim.after((draw.ttftMs + t.output * draw.msPerOutputToken) * scaleFor(demand), () => {
          instance.bulkhead.release();
          done(true);
        });
      };
      attempt(0);
    });
    if (!admitted) {
      counters.bulkheadRejected++;
      done(false);
    }
  };

  /** A message to Telegram through the flood limit. */
  const send = (done: () => void) => {
    const r = flood.take(sim.nowMs, 1);
    if (r.ok) return done();
    counters.telegram429++;
    // retry_after is whole simulated seconds (fakes/telegram/flood.ts), and the bot waits it out in simulated time.
    const waitMs = Math.max(1, Math.ceil(r.retryAfterMs / 1000)) * 1000;
    sim.after(waitMs, () => send(done));
  };

  const updates: SimulatedUpdate[] = [];
  let roundRobin = 0;

  /** Handles one update: delivery, CPU, database, Claude for a question, the reply. */
  const handle = (cls: InteractiveClass, onReply: (update: SimulatedUpdate) => void) => {
    const update: SimulatedUpdate = {
      cls,
      arrivalMs: sim.nowMs,
      firstMs: Number.NaN,
      finalMs: Number.NaN,
      fallback: false,
    };
    updates.push(update);
    const d = demands[cls];
    delivery.acquire(() => {
      const instance = config.transport === 'polling' ? instances[0]! : instances[roundRobin++ % instances.length]!;
      let connectionHeld = true;
      const freeConnection = () => {
        if (connectionHeld) {
          connectionHeld = false;
          delivery.release();
        }
      };
      if (config.transport === 'webhook') {
        sim.after(config.webhookTimeoutMs, () => {
          if (!connectionHeld) return;
          counters.webhookTimeouts++;
          freeConnection();
        });
      }
      const finish = (fallback: boolean) => {
        send(() => {
          update.finalMs = sim.nowMs;
          update.fallback = fallback;
          if (Number.isNaN(update.firstMs)) update.firstMs = sim.nowMs;
          freeConnection();
          onReply(update);
        });
      };
      cpu(instance, d.botCpuS / 2, () =>
        database(instance, d.dbHoldS / 2, d.postgresCpuS / 2, (ok) => {
          if (!ok) return finish(true);
          update.firstMs = sim.nowMs;
          const after = (fallback: boolean) =>
            cpu(instance, d.botCpuS / 2, () =>
              database(instance, d.dbHoldS / 2, d.postgresCpuS / 2, (ok2) => finish(fallback || !ok2)),
            );
          if (d.claudeCalls > 0 && rng() < Math.min(1, d.claudeCalls)) {
            claude(instance, d, rng() < d.smallModelShare, (okClaude) => after(!okClaude));
          } else after(false);
        }),
      );
    });
  };

  // Lab only: the load generator and the fakes share the machine's cores, so their CPU per update counts.
  const generatorCpu = (cls: DemandClass) => {
    if (cores === undefined) return;
    const s = demands[cls].loadgenCpuS;
    if (s > 0) cores.serve(s * 1000 * scale, () => undefined);
  };

  const pickClass = (): InteractiveClass => {
    let u = rng();
    for (const c of INTERACTIVE_CLASSES) {
      u -= workload.mix[c];
      if (u < 0) return c;
    }
    return 'navigation';
  };

  const activeVus: Array<[number, number]> = [];
  const load = workload.load;
  if (load.kind === 'closed') {
    let active = 0;
    let wanted = load.startVus;
    const targetAt = (tMs: number): number => {
      let from = load.startVus;
      let start = 0;
      for (const stage of load.stages) {
        if (tMs < start + stage.durationMs)
          return from + ((stage.target - from) * (tMs - start)) / Math.max(1, stage.durationMs);
        from = stage.target;
        start += stage.durationMs;
      }
      return from;
    };
    const think = () => {
      const { median, p95, distribution } = load.thinkTime;
      if (distribution === 'constant') return median;
      if (distribution === 'exponential') return (-median / Math.LN2) * Math.log(1 - thinkRng());
      return lognormalFromMedianP95(thinkRng, median, p95);
    };
    const vu = () => {
      if (active > Math.round(wanted) || sim.nowMs >= workload.durationMs) {
        active--;
        return;
      }
      const cls = pickClass();
      generatorCpu(cls);
      let answered = false;
      const next = () => sim.after(think(), vu);
      const deadline = () => {
        if (answered) return;
        answered = true;
        next();
      };
      sim.after(input.replyDeadlineMs, deadline);
      handle(cls, () => {
        if (answered) return;
        answered = true;
        next();
      });
    };
    const adjust = () => {
      wanted = targetAt(sim.nowMs);
      activeVus.push([sim.nowMs, Math.round(wanted)]);
      while (active < Math.round(wanted)) {
        active++;
        vu();
      }
      if (sim.nowMs + 1000 <= workload.durationMs) sim.after(1000, adjust);
    };
    sim.at(0, adjust);
  } else {
    const arrive = () => {
      // Thinning (Lewis & Shedler): candidate arrivals at the maximum rate, each kept with rate(t) / max.
      const gap = (-Math.log(1 - rng()) / Math.max(load.maxRatePerS, 1e-9)) * 1000;
      sim.after(gap, () => {
        if (sim.nowMs >= load.durationMs) return;
        if (rng() * load.maxRatePerS < load.ratePerSAt(sim.nowMs)) {
          const cls = pickClass();
          generatorCpu(cls);
          handle(cls, () => undefined);
        }
        arrive();
      });
    };
    if (load.maxRatePerS > 0) sim.at(0, arrive);
  }

  // Digests: due jobs become visible at the scheduler's tick; each instance's senders (or the leader's) take them.
  const digests = workload.digests.map((d) => ({ ...d, sentMs: Number.NaN }));
  const sorted = [...digests].sort((a, b) => a.scheduledMs - b.scheduledMs);
  const visible: typeof digests = [];
  let nextJob = 0;
  let visibleHead = 0;
  const cache = new Map<number, { readyMs: number | null; waiting: Array<() => void> }>();
  const senderInstances = config.scheduler.senders === 'all' ? instances : instances.slice(0, 1);
  const idleWorkers: Instance[] = senderInstances.flatMap((i) =>
    Array.from({ length: config.scheduler.sendConcurrency }, () => i),
  );
  const digestDemand = demands.digest;
  const generate = (instance: Instance, key: number, done: (ok: boolean) => void) => {
    if (config.batchDigests) return done(true);
    if (!config.digestCache) return claude(instance, digestDemand, false, done);
    const entry = cache.get(key);
    if (entry?.readyMs !== undefined && entry.readyMs !== null) return done(true);
    if (entry !== undefined) {
      entry.waiting.push(() => done(true));
      return;
    }
    const fresh = { readyMs: null as number | null, waiting: [] as Array<() => void> };
    cache.set(key, fresh);
    claude(instance, digestDemand, false, (ok) => {
      if (ok) fresh.readyMs = sim.nowMs;
      else cache.delete(key);
      for (const wake of fresh.waiting) wake();
      done(ok);
    });
  };
  const work = () => {
    while (idleWorkers.length > 0 && visibleHead < visible.length) {
      const instance = idleWorkers.shift()!;
      const job = visible[visibleHead++]!;
      instance.senders.acquire(() => undefined);
      const done = () => {
        instance.senders.release();
        idleWorkers.push(instance);
        work();
      };
      const transaction = config.scheduler.claimMode === 'transaction';
      const body = (release: () => void) =>
        cpu(instance, digestDemand.botCpuS, () =>
          generate(instance, job.key, (ok) => {
            if (!ok) {
              release();
              return done();
            }
            send(() => {
              job.sentMs = sim.nowMs;
              release();
              done();
            });
          }),
        );
      if (transaction) {
        // The claim's transaction keeps a pool connection for the whole digest (the classic SKIP LOCKED queue).
        instance.pool.acquire(() => body(() => instance.pool.release()));
      } else {
        database(instance, digestDemand.dbHoldS, digestDemand.postgresCpuS, () => body(() => undefined));
      }
    }
  };
  const tick = () => {
    while (nextJob < sorted.length && sorted[nextJob]!.scheduledMs <= sim.nowMs) visible.push(sorted[nextJob++]!);
    work();
    if (nextJob < sorted.length) {
      const nextTick = Math.ceil((sim.nowMs + 1) / config.scheduler.tickMs) * config.scheduler.tickMs;
      sim.at(nextTick, tick);
    }
  };
  if (sorted.length > 0)
    sim.at(Math.ceil(sorted[0]!.scheduledMs / config.scheduler.tickMs) * config.scheduler.tickMs, tick);

  // Run past the end by the reply deadline so work in flight at the end finishes, as the generator waits for it.
  sim.runUntil(workload.durationMs + input.replyDeadlineMs);
  const endMs = workload.durationMs;
  const all = [
    delivery,
    ...(cores === undefined ? [postgres] : [cores]),
    ...(bouncer === undefined ? [] : [bouncer]),
    ...instances.flatMap((i) => [i.loop, i.pool, i.bulkhead]),
  ];
  return {
    durationMs: endMs,
    bucketMs,
    updates,
    digests: digests.map((d) => ({ scheduledMs: d.scheduledMs, sentMs: d.sentMs })),
    resources: all.map((r) => ({
      name: r.name,
      servers: r.servers,
      busyPerBucket: r.busy.perBucket(endMs),
      queuePerBucket: r.queue.perBucket(endMs),
      meanBusy: r.busy.mean(endMs),
      maxQueue: r.queue.max,
      rejected: r.rejected,
    })),
    counters,
    activeVus,
    phases: workload.phases,
    events: sim.eventsRun,
  };
}

export type { Rng };
