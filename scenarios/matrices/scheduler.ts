import type { BotConfig } from '../../bot/config/index.ts';
import type { ScenarioInput } from '../schema.ts';
import type { MatrixDefinition, MatrixSize, MatrixVariant } from './types.ts';

/**
 * Where does the scheduler live with 5-10 instances? The 10:00 burst (1,000 of 10K users) plus normal
 * traffic, per coordination strategy on 3 instances; on 5 instances with one SIGKILLed during the burst (the three that
 * elect or claim; cron-http gets its ticks from runScenario's external trigger);
 * and advisory-lock behind PgBouncer in transaction mode (where session locks are known to break). Issue 14 (A2)
 * adds the dedicated scheduler worker (queue-worker x3, and x5 with the worker killed at 40%) and a leader whose
 * digests all instances send (advisory-lock x3, sendBy all-instances): who decides and who sends, varied apart.
 *
 * The default window runs to 10:14 because ~1,200 digests need ~12 minutes of Claude time at 30 concurrent
 * slots (3 instances x 10); a 5-minute window (the first default) counted every strategy's undelivered tail as
 * "missing" and hid the coordination answer. The kill at 40% of the window (10:05) lands while the 10:00
 * digests are being sent. The bots' real processing time is multiplied by the scale (at 60x, 100 ms of real
 * send time reads as 6 s of lateness - small against minutes of drain). Quick uses ~100 digests at 10:00.
 * Sizes (issue 11, fidelity first): default 1,000 users (~100 digests at 10:00) and one question a second,
 * 09:59-10:03 at `auto` (2x-4x on the 2-core lab machine in the committed run; `botcap matrix --list` prints
 * the estimate); ~100 digests drain in ~60 s at 30 Claude slots, so the window holds the burst and its tail.
 * The earlier 10K-user default (1,000 digests over 15 minutes) forced 1x to stay faithful: 15 real minutes per
 * variant. Quick: none x3 and skip-locked x3, 09:59-10:02 at 20x.
 */
const SIZES: Record<
  MatrixSize,
  {
    start: string;
    durationMs: number;
    timeScale: number | 'auto';
    population: number;
    questionsPerS: number;
    /** The per-attempt Claude timeout, simulated ms; undefined = the bot's default (30 s). */
    claudeTimeoutMs?: number;
  }
> = {
  default: { start: '09:59', durationMs: 4 * 60_000, timeScale: 'auto', population: 1_000, questionsPerS: 1 },
  // Quick keeps realistic Claude latency (the check-to-record gap is what makes `none` duplicate) and
  // sizes the burst to drain inside the window: ~100 digests x ~18 s / 30 Claude slots ~ 60 s of the 2 min after 10:00.
  // The default 30 s Claude timeout is 1.5 s of real time at 20x, less than a digest call takes on a busy
  // 2-core machine (the fake's latency scales, the bots' CPU work does not): timeouts would turn digests into
  // fallbacks and hide the coordination question, so quick gives them room, and a webhook timeout that holds the
  // answer budget it makes (2 attempts x 180 s + backoff + the pool's wait; bot/config/preflight.ts refuses less).
  // Not at the default size: at the 1x-2x `auto` picks the lab's delay is small and the defaults hold.
  quick: {
    start: '09:59',
    durationMs: 3 * 60_000,
    timeScale: 20,
    population: 1_000,
    questionsPerS: 2,
    claudeTimeoutMs: 180_000,
  },
};

function base(size: MatrixSize): ScenarioInput {
  const s = SIZES[size];
  return {
    name: 'matrix-scheduler',
    description: 'scheduler matrix: the 10:00 digests plus normal traffic, per coordination strategy',
    seed: 1,
    timeScale: s.timeScale,
    start: s.start,
    load: {
      executor: 'scheduled-peak',
      duration: s.durationMs,
      rate: s.questionsPerS,
      timeUnit: '1s',
      preAllocatedVUs: 50,
      maxVUs: 300,
    },
    population: {
      size: s.population,
      onboarded: true,
      digestTimes: { peak: '10:00', peakShare: 0.1, spreadFrom: '07:00', spreadTo: '22:00', stepMinutes: 15 },
      pausedShare: 0.02,
    },
    behaviour: { mix: { navigation: 0.55, question: 0.35, settings: 0.1, start: 0 } },
    replies: { deadline: '60s' },
    // Several instances need webhooks: a second long-poller gets 409 Conflict from Telegram.
    bot: {
      transport: 'webhook',
      instances: 3,
      config:
        s.claudeTimeoutMs === undefined
          ? {}
          : {
              resilience: { timeoutMs: s.claudeTimeoutMs },
              telegram: { webhookTimeoutMs: 2 * s.claudeTimeoutMs + 60_000 },
            },
    },
    fakes: { claude: { latency: 'realistic', tier: 'start' } },
    thresholds: { digests_missing: ['count==0'], digests_duplicated: ['count==0'] },
  };
}

type Strategy = BotConfig['scheduler']['strategy'];

function on(strategy: Strategy, instances: number, extra: Partial<MatrixVariant> = {}): MatrixVariant {
  const killed = extra.kill !== undefined;
  return {
    label: `${strategy} x${instances}${killed ? ', one killed at the peak' : ''}`,
    patch: { bot: { instances, config: { scheduler: { strategy } } } },
    quick: false,
    ...extra,
  };
}

export const scheduler: MatrixDefinition = {
  name: 'scheduler',
  question: 'Where does the scheduler live with 5-10 instances?',
  base,
  budgetRealS: { default: 2280, quick: 40 },
  variants: [
    on('none', 3, { quick: true }),
    on('advisory-lock', 3),
    on('skip-locked', 3),
    on('redis-lock', 3),
    on('cron-http', 3),
    on('advisory-lock', 5, { kill: { fraction: 0.4 } }),
    on('skip-locked', 5, { kill: { fraction: 0.4 } }),
    on('redis-lock', 5, { kill: { fraction: 0.4 } }),
    // A2, "Redis pub/sub + one scheduler worker": a dedicated worker process plans into a queue (digest_jobs,
    // not pub/sub, which drops what no subscriber hears: bot/scheduler/queue.ts), the instances send. Quick keeps
    // it: it is the option the architect named, against none and skip-locked.
    on('queue-worker', 3, { quick: true, note: 'one dedicated scheduler worker process plans; the 3 instances send' }),
    {
      label: 'queue-worker x5, the worker killed at the peak',
      patch: { bot: { instances: 5, config: { scheduler: { strategy: 'queue-worker' } } } },
      kill: { fraction: 0.4, target: 'scheduler-worker' },
      quick: false,
      note: 'the scheduler worker, not a bot instance, is SIGKILLed and not restarted',
    },
    // Who decides and who sends, varied rather than baked in: the leader decides, every instance sends.
    {
      label: 'advisory-lock x3, all instances send',
      patch: { bot: { instances: 3, config: { scheduler: { strategy: 'advisory-lock', sendBy: 'all-instances' } } } },
      quick: false,
      note: 'the advisory-lock leader queues the due digests; all 3 instances claim and send them',
    },
    {
      label: 'advisory-lock x3 via PgBouncer (transaction)',
      patch: {
        bot: { instances: 3, config: { scheduler: { strategy: 'advisory-lock' } } },
        environment: { pgbouncer: { poolSize: 20 } },
      },
      quick: false,
    },
  ],
};
