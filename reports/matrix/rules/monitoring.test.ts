import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../contracts/run-result.ts';
import { getMatrix } from '../../../scenarios/matrices/index.ts';
import { defaultInfrastructure } from '../../data/infrastructure.ts';
import { encodeHistogram } from '../../fixtures/synth.ts';
import { failed, makeRun, ok, spread } from '../testing/outcomes.ts';
import { decideMatrix } from '../verdicts.ts';
import { monitoringRuleWith } from './monitoring.ts';

const question = getMatrix('monitoring').question;
const FAULT_AT_MS = 30_000;
const ADMINS = -1_001_000_000_001;

type Fault = 'storm' | 'outage';

/** A cumulative series that is `before` until the fault and `after` from `afterMs` past it. */
function rising(name: string, source: string, riseAfterMs: number | null, after = 10) {
  const points: Array<[number, number]> = [
    [0, 0],
    [FAULT_AT_MS, 0],
  ];
  if (riseAfterMs !== null) points.push([FAULT_AT_MS + riseAfterMs, after]);
  points.push([120_000, riseAfterMs === null ? 0 : after]);
  return { name, unit: 'count', source, points };
}

interface Channels {
  /** Telegram alerts: mode, first delivery after the fault (null = never), refused. */
  alerts?: { mode: 'each' | 'summary'; toldAfterMs: number | null; refused?: number };
  sentryAfterMs?: number | null;
  log?: { rowAfterMs: number | null; connections: number };
  metricsAfterMs: number | null;
  p95Ms?: number;
}

function run(variant: string, fault: Fault, c: Channels): RunResult {
  const observability: Record<string, unknown> = {};
  if (c.alerts !== undefined) Object.assign(observability, { alertChatId: ADMINS, alertMode: c.alerts.mode });
  if (c.log !== undefined) observability.errorLog = true;
  return makeRun({
    variant,
    config: { observability },
    resolved: { fakes: { ingest: { enabled: c.sentryAfterMs !== undefined } } },
    edit: (r) => {
      r.faults = [
        fault === 'storm'
          ? { kind: 'claude-errors', target: 'claude', fromMs: FAULT_AT_MS, toMs: 90_000, detail: '529' }
          : {
              kind: 'postgres-sessions-terminated',
              target: 'postgres',
              fromMs: FAULT_AT_MS,
              toMs: FAULT_AT_MS,
              detail: '3 sessions',
            },
      ];
      r.latency.replyFinal = encodeHistogram(spread(1000, 200, c.p95Ms ?? 2_000));
      r.timeSeries.push(rising('bot_errors_counted_total', 'bot-1', c.metricsAfterMs, 40));
      if (c.alerts !== undefined) {
        r.timeSeries.push(rising('monitoring_alerts_delivered_total', 'monitoring', c.alerts.toldAfterMs));
        r.timeSeries.push(rising('monitoring_alerts_refused_total', 'monitoring', 1, c.alerts.refused ?? 0));
      }
      if (c.sentryAfterMs !== undefined) {
        r.timeSeries.push(rising('monitoring_events_received_total', 'monitoring', c.sentryAfterMs));
      }
      if (c.log !== undefined) {
        r.timeSeries.push(rising('monitoring_error_log_rows_total', 'monitoring', c.log.rowAfterMs));
        r.timeSeries.push(rising('bot_error_log_writing', 'bot-1', 1, c.log.connections));
      }
    },
  });
}

/** The matrix's six runs with typical figures; `edit` changes one channel's. */
function matrix(overrides: Partial<Record<'summary' | 'logEach' | 'sentry', Partial<Channels>>> = {}) {
  return (['storm', 'outage'] as const).flatMap((fault) => [
    run(`summary alerts + metrics, ${fault}`, fault, {
      alerts: { mode: 'summary', toldAfterMs: 45_000 },
      metricsAfterMs: 10_000,
      p95Ms: 2_000,
      ...overrides.summary,
    }),
    run(`PostgreSQL log + alerts each, ${fault}`, fault, {
      alerts: { mode: 'each', toldAfterMs: 2_000, refused: 41 },
      log: { rowAfterMs: 2_000, connections: 2 },
      metricsAfterMs: 10_000,
      p95Ms: 2_100,
      ...overrides.logEach,
    }),
    run(`Sentry client, ${fault}`, fault, { sentryAfterMs: 3_000, metricsAfterMs: 10_000, ...overrides.sentry }),
  ]);
}

describe('monitoring verdict', () => {
  it('picks the free channel that told in time without losing alerts, and says why the others lost', () => {
    const v = decideMatrix(
      'monitoring',
      question,
      matrix().map((r) => ok(r)),
    );
    expect(v.status).toBe('answered');
    expect(v.winner).toBe('summary alerts + metrics, storm');
    const p95 = String.raw`[\d.]+ s`;
    expect(v.answer).toMatch(
      new RegExp(
        '^Choose Telegram summary alerts at 10K DAU: it told the team 45 s after the Claude 529 storm started, 45 s after the PostgreSQL outage started, lost no alert and costs \\$0/month; ' +
          String.raw`Telegram alerts per error lost 82 alerts to the flood limit \(429\)\. ` +
          `The PostgreSQL error log in the Claude 529 storm held up to 2 pool connections; the users' p95 was ${p95} against ${p95} without it \\(within the 250 ms slack\\); ` +
          `in the PostgreSQL outage held up to 2 pool connections; the users' p95 was ${p95} against ${p95} without it \\(within the 250 ms slack\\)\\.$`,
      ),
    );
    // Metrics: the first scrape 10 s after the fault plus the metrics stack's 60 s scrape and 60 s evaluation.
    expect(v.changesIf).toBe(
      'The pick changes to metrics only (same price) if it told the team in under 45 s, the time Telegram summary alerts took (it took 2.2 min).',
    );
    expect(v.expectations.find((e) => e.variant === 'the Sentry client')?.met).toBe(true);
    expect(v.expectations.find((e) => e.variant === 'the PostgreSQL error log')?.met).toBeNull();
  });

  it('says when no channel told the team, naming the closest', () => {
    const silent = { metricsAfterMs: null };
    const runs = matrix({
      summary: { alerts: { mode: 'summary', toldAfterMs: null }, ...silent },
      logEach: { alerts: { mode: 'each', toldAfterMs: null, refused: 0 }, ...silent },
      sentry: { sentryAfterMs: null, ...silent },
    });
    const v = decideMatrix(
      'monitoring',
      question,
      runs.map((r) => ok(r)),
    );
    expect(v.winner).toBeNull();
    expect(v.answer).toMatch(/^No channel told the team within 5 minutes in every fault without losing an alert: /);
    expect(v.answer).toContain('Telegram summary alerts never told the team in the Claude 529 storm');
    expect(v.changesIf).toMatch(
      /^An answer needs one channel to qualify: the closest, .+, never told the team in the /,
    );
  });

  it('calls a tie a tie: two free channels as fast as each other', () => {
    const free = monitoringRuleWith({
      ...defaultInfrastructure(),
      monitoring: {
        ...defaultInfrastructure().monitoring!,
        // A metrics stack that alerts at once, so metrics tell as fast as the summary.
        metricsAlerting: {
          ...defaultInfrastructure().monitoring!.metricsAlerting,
          scrapeIntervalS: 1,
          alertEvaluationS: 1,
        },
      },
    });
    const v = free.decide(
      matrix({ summary: { alerts: { mode: 'summary', toldAfterMs: 12_000 } } }).map((r) => ok(r)),
      question,
    );
    expect(v.answer).toMatch(
      /^Choose metrics only or Telegram summary alerts at 10K DAU \(a tie: both \$0\/month, both told the team within 12 s\)/,
    );
    expect(v.changesIf).toBe(
      'Metrics only and Telegram summary alerts tie on price and on time to tell (12 s); the pick changes with any difference between them, or to both (they do not exclude each other).',
    );
  });

  it('falls back to the paid tracker when the free channels are late, and says what would change it', () => {
    const late = { metricsAfterMs: 400_000 };
    const v = decideMatrix(
      'monitoring',
      question,
      matrix({
        summary: { alerts: { mode: 'summary', toldAfterMs: 360_000 }, ...late },
        logEach: late,
        sentry: late,
      }).map((r) => ok(r)),
    );
    expect(v.winner).toBe('Sentry client, storm');
    expect(v.answer).toMatch(
      /^Choose the Sentry client at 10K DAU: it told the team 3 s after the Claude 529 storm started, 3 s after the PostgreSQL outage started, lost no alert and costs \$26\/month;/,
    );
    expect(v.answer).toContain('Telegram summary alerts told the team only after 6 min in the Claude 529 storm');
    expect(v.changesIf).toBe(
      'The pick changes only if another channel qualifies: the closest, Telegram alerts per error, lost 82 alerts to the flood limit (429).',
    );
  });

  it('says the error log hurt the users when its run is slower than the baseline beyond the slack', () => {
    const v = decideMatrix(
      'monitoring',
      question,
      matrix({ logEach: { p95Ms: 4_000 } }).map((r) => ok(r)),
    );
    expect(v.answer).toMatch(
      /the users' p95 was 3\.\d+ s against 1\.\d+ s without it \(worse by more than the 250 ms slack\)/,
    );
  });

  it('has no answer without a run that recorded its fault, and keeps failed variants in the table', () => {
    const v = decideMatrix('monitoring', question, [failed('summary alerts + metrics, storm')]);
    expect(v.status).toBe('no-data');
    expect(v.answer).toBe('No answer: no variant completed with a fault on its record.');
    expect(v.rows[0]!.status).toBe('failed');
  });
});
