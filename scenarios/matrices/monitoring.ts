import type { ScenarioInput } from '../schema.ts';
import type { MatrixDefinition, MatrixSize, MatrixVariant, ScenarioPatch } from './types.ts';

/**
 * Monitoring under an error storm: how is the team told, and what does telling cost? The channels are knobs
 * of the reference bot - the production bot's PostgreSQL error log (rows written asynchronously
 * through the bot's own pool), Telegram alerts into an admins' group (one message per error, or one summary a
 * minute: the group takes ~20 messages a minute), an error-tracking client (the real @sentry/node posting to
 * the fake ingestion, fakes/ingest), or the Prometheus metrics alone - through a Claude 529 storm and a
 * PostgreSQL outage (the server botcap owns stopped for half the run and started again: `postgresFaults` with
 * `mode: 'restart'`; the first version terminated sessions every 5 s, and the pool reconnected between them,
 * so the error log never went blind).
 *
 * Question-heavy traffic on one polling instance (the breaker matrix's load: one instance keeps up without a
 * fault), so the storm is every question's fallback: a few errors a second.
 *
 * Five channels in three runs per fault (RUNS), so the matrix is six runs, not ten.
 *
 * Budget (real s, 2 cores, one repetition): default 96 s simulated per run at the calibrated scale (~4x:
 * 24 s of load, 9 s start and teardown, 18 s calibration), six runs ~ 306 s; quick: the Claude storm's
 * free channels (two runs), 96 s simulated at 20x ~ 2 x 14 s (29 s measured).
 */
const SIZES: Record<MatrixSize, { durationMs: number; vus: number; timeScale: number | 'auto' }> = {
  default: { durationMs: 96_000, vus: 20, timeScale: 'auto' },
  quick: { durationMs: 96_000, vus: 20, timeScale: 20 },
};

/** The fault window as fractions of the run; the storm and the outage start at the same moment. */
export const MONITORING_FAULT_WINDOW = { fromFraction: 0.25, toFraction: 0.75 } as const;

/** The admins' group the alert variants tell (a supergroup id, as Telegram gives one). */
export const ADMINS_CHAT_ID = -1_001_000_000_001;

function faultWindow(size: MatrixSize): { from: number; to: number } {
  const d = SIZES[size].durationMs;
  return { from: d * MONITORING_FAULT_WINDOW.fromFraction, to: d * MONITORING_FAULT_WINDOW.toFraction };
}

function base(size: MatrixSize): ScenarioInput {
  const s = SIZES[size];
  return {
    name: 'matrix-monitoring',
    description: 'monitoring matrix: question-heavy traffic through a Claude 529 storm or a PostgreSQL outage',
    seed: 1,
    timeScale: s.timeScale,
    start: '14:00',
    load: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: s.durationMs / 8, target: s.vus },
        { duration: (s.durationMs * 7) / 8, target: s.vus },
      ],
    },
    population: { size: 2_000, onboarded: true },
    behaviour: {
      mix: { navigation: 0.3, question: 0.6, settings: 0.1, start: 0 },
      thinkTime: { distribution: 'lognormal', median: '5s', p95: '20s' },
    },
    replies: { deadline: '30s' },
    bot: { transport: 'polling', instances: 1, config: { scheduler: { enabled: false } } },
    fakes: { claude: { latency: 'realistic', tier: 'unlimited' } },
    thresholds: { reply_latency: ['p(95)<10000'] },
  };
}

/** The monitoring channels the matrix compares; each run carries some of them (see the file's comment). */
export type MonitoringChannel = 'db-log' | 'telegram-each' | 'telegram-summary' | 'sentry' | 'metrics';
type Fault = 'claude-storm' | 'postgres-outage';

const FAULT_LABEL: Record<Fault, string> = {
  'claude-storm': 'Claude 529 storm',
  'postgres-outage': 'PostgreSQL outage',
};

/**
 * The runs per fault. Channels that take nothing from the pool and little CPU share the first run: Telegram
 * summary alerts and the metrics (always on); it is also the baseline users' latency. The PostgreSQL error log
 * runs beside the per-error Telegram alerts (one alert mode per bot, so they need their own run); its effect
 * on users is its run's p95 against the baseline's. The Sentry client runs alone: @sentry/node loads
 * OpenTelemetry, whose start cost would distort the baseline (it did at 20x: 14 s of estimated distortion).
 */
const RUNS: ReadonlyArray<{ label: string; patch: ScenarioPatch; quick: boolean }> = [
  {
    label: 'summary alerts + metrics',
    patch: { bot: { config: { observability: { alertChatId: ADMINS_CHAT_ID, alertMode: 'summary' } } } },
    quick: true,
  },
  {
    label: 'PostgreSQL log + alerts each',
    patch: { bot: { config: { observability: { alertChatId: ADMINS_CHAT_ID, alertMode: 'each', errorLog: true } } } },
    quick: true,
  },
  // Sentry costs money, so it is the pick only when no free channel qualifies: not the deciding contrast.
  { label: 'Sentry client', patch: { fakes: { ingest: { enabled: true } } }, quick: false },
];

function faultPatch(fault: Fault, size: MatrixSize): ScenarioPatch {
  const window = faultWindow(size);
  if (fault === 'claude-storm') return { fakes: { claude: { faults: [{ ...window, rate: 1, kind: '529' }] } } };
  // A real outage: the server is down for the window (an external --database-url gets its sessions terminated
  // instead, and the run's fault record says so).
  return {
    environment: { postgresFaults: [{ at: window.from, mode: 'restart', down: window.to - window.from }] },
  };
}

function variant(run: (typeof RUNS)[number], fault: Fault): MatrixVariant {
  return {
    label: `${run.label}, ${FAULT_LABEL[fault]}`,
    patch: (size) => {
      const f = faultPatch(fault, size);
      return { ...run.patch, ...f, fakes: { ...run.patch.fakes, ...f.fakes } };
    },
    // The Claude storm is the deciding contrast: every channel tells of it, and the alerts meet the flood limit.
    quick: run.quick && fault === 'claude-storm',
  };
}

export const monitoring: MatrixDefinition = {
  name: 'monitoring',
  question: 'How is the team told of an error storm at 10K DAU: PostgreSQL log, Telegram alerts, Sentry or metrics?',
  base,
  budgetRealS: { default: 360, quick: 28 },
  variants: (['claude-storm', 'postgres-outage'] as const).flatMap((fault) => RUNS.map((run) => variant(run, fault))),
};
