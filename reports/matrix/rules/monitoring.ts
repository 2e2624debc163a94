import { valueAt } from '../../../common/path.ts';
import type { RunResult, TimeSeries } from '../../../contracts/run-result.ts';
import { defaultInfrastructure, type Infrastructure } from '../../data/infrastructure.ts';
import {
  botKnob,
  counted,
  isUsable,
  ms,
  noData,
  num,
  peakOf,
  replyP95Ms,
  type UsableOutcome,
  verdictSkeleton,
} from '../figures.ts';
import type { MatrixVerdict, VariantOutcome, VerdictColumn, VerdictRule } from '../types.ts';

/** A channel tells the team in time when its first signal comes within this long of the fault's start. */
export const TOLD_WITHIN_MS = 5 * 60_000;
/** What a logger may add to the users' p95 before it counts as hurting them: this share, or this many ms. */
export const P95_SLACK = { share: 0.1, ms: 250 } as const;

/** The series the run records per channel (orchestration/monitoring-watch.ts, orchestration/sampling.ts). */
const SERIES = {
  alertsDelivered: 'monitoring_alerts_delivered_total',
  alertsRefused: 'monitoring_alerts_refused_total',
  eventsReceived: 'monitoring_events_received_total',
  errorLogRows: 'monitoring_error_log_rows_total',
  errorsCounted: 'bot_errors_counted_total',
  errorLogWriting: 'bot_error_log_writing',
} as const;

type Channel = 'telegram-summary' | 'telegram-each' | 'sentry' | 'metrics' | 'db-log';

const CHANNEL_NAME: Record<Channel, string> = {
  'telegram-summary': 'Telegram summary alerts',
  'telegram-each': 'Telegram alerts per error',
  sentry: 'the Sentry client',
  metrics: 'metrics only',
  'db-log': 'the PostgreSQL error log',
};

export const MONITORING_RULE =
  'Per channel, under each fault it ran in (Claude 529 storm, PostgreSQL outage): the time until the team is ' +
  'told, from the fault start to the first alert delivered to the admins group, the first event received by ' +
  'the error tracker, or the first scrape where the bot error counter rose plus the metrics stack alert delay ' +
  '(scrape interval and rule evaluation, from reports/data/infrastructure.json); alerts refused by the ' +
  'Telegram flood limit (429) are lost. The PostgreSQL error log tells no one by itself (someone must query ' +
  'it), so its time is when a row could first be read and it cannot be the pick; its price is the pool ' +
  'connections it holds and the users p95 against the run without it under the same fault. A channel ' +
  `qualifies when it told the team within ${TOLD_WITHIN_MS / 60_000} minutes in every fault and lost no alert; ` +
  'the cheapest per month wins (the same at 10K DAU: none of the prices scales with users below the plans ' +
  'quotas), then the fastest in its slower fault.';

const COLUMNS: readonly VerdictColumn[] = [
  { key: 'summaryToldMs', label: 'told: summary alerts', unit: 'ms' },
  { key: 'eachToldMs', label: 'told: alert per error', unit: 'ms' },
  { key: 'sentryToldMs', label: 'told: Sentry', unit: 'ms' },
  { key: 'metricsToldMs', label: 'told: metrics + alert delay', unit: 'ms' },
  { key: 'logRowMs', label: 'first error-log row', unit: 'ms' },
  { key: 'alertsRefused', label: 'alerts lost (429)', unit: 'alerts' },
  { key: 'logConnectionsPeak', label: 'pool connections held by logging', unit: 'connections' },
  { key: 'replyP95Ms', label: 'p95 reply', unit: 'ms' },
];

/** The fault a run injected and when (simulated ms since the load started); null without one. */
function faultOf(result: RunResult): { name: string; fromMs: number } | null {
  const events = (result.faults ?? []).filter(
    (f) => f.kind === 'claude-errors' || f.kind === 'postgres-sessions-terminated',
  );
  if (events.length === 0) return null;
  const first = [...events].sort((a, b) => a.fromMs - b.fromMs)[0]!;
  return { name: first.kind === 'claude-errors' ? 'Claude 529 storm' : 'PostgreSQL outage', fromMs: first.fromMs };
}

/** Simulated ms from `fromMs` until any of `series` first rose above its value at `fromMs`; null if never. */
function firstRiseMs(series: readonly TimeSeries[], fromMs: number): number | null {
  let earliest: number | null = null;
  for (const s of series) {
    let baseline = 0;
    for (const [t, value] of s.points) {
      if (t <= fromMs) {
        baseline = value;
        continue;
      }
      if (value > baseline) {
        earliest = earliest === null ? t - fromMs : Math.min(earliest, t - fromMs);
        break;
      }
    }
  }
  return earliest;
}

const named = (result: RunResult, name: string) => result.timeSeries.filter((s) => s.name === name);
const lastOf = (series: readonly TimeSeries[]) => series.reduce((sum, s) => sum + (s.points.at(-1)?.[1] ?? 0), 0);

/** The channels a run carried, from its bot config and scenario (metrics are always there). */
function channelsOf(result: RunResult): Channel[] {
  const channels: Channel[] = ['metrics'];
  if (botKnob(result, 'observability.alertChatId') !== undefined) {
    channels.push(botKnob(result, 'observability.alertMode') === 'each' ? 'telegram-each' : 'telegram-summary');
  }
  if (valueAt(result.scenario.resolved, 'fakes.ingest.enabled') === true) channels.push('sentry');
  if (botKnob(result, 'observability.errorLog') === true) channels.push('db-log');
  return channels;
}

function metricsDelayMs(infra: Infrastructure): number {
  const m = infra.monitoring?.metricsAlerting;
  return m === undefined ? 0 : (m.scrapeIntervalS + m.alertEvaluationS) * 1000;
}

/** Monthly price of a channel, from the cost data; null when the data does not price it. */
function monthUsd(channel: Channel, infra: Infrastructure): number | null {
  if (channel === 'sentry') {
    const id = infra.monitoring?.errorTrackerLineId;
    const line = infra.lines.find((l) => l.id === id);
    return line === undefined ? null : line.priceUsd;
  }
  if (channel === 'metrics') return infra.monitoring?.metricsAlerting.monthUsd ?? null;
  // Telegram messages and rows in the database the bot already pays for.
  return 0;
}

function figures(o: UsableOutcome, infra: Infrastructure): Record<string, number | null> {
  const r = o.result;
  const fault = faultOf(r);
  const channels = channelsOf(r);
  const told = (on: boolean, name: string, extraMs = 0) => {
    if (!on || fault === null) return null;
    const rise = firstRiseMs(named(r, name), fault.fromMs);
    return rise === null ? null : rise + extraMs;
  };
  const alerts = channels.includes('telegram-each') || channels.includes('telegram-summary');
  return {
    summaryToldMs: told(channels.includes('telegram-summary'), SERIES.alertsDelivered),
    eachToldMs: told(channels.includes('telegram-each'), SERIES.alertsDelivered),
    sentryToldMs: told(channels.includes('sentry'), SERIES.eventsReceived),
    metricsToldMs: told(true, SERIES.errorsCounted, metricsDelayMs(infra)),
    logRowMs: told(channels.includes('db-log'), SERIES.errorLogRows),
    alertsRefused: alerts ? lastOf(named(r, SERIES.alertsRefused)) : null,
    logConnectionsPeak: channels.includes('db-log') ? (peakOf(named(r, SERIES.errorLogWriting)) ?? 0) : null,
    replyP95Ms: replyP95Ms(r),
  };
}

const TOLD_KEY: Record<Channel, string> = {
  'telegram-summary': 'summaryToldMs',
  'telegram-each': 'eachToldMs',
  sentry: 'sentryToldMs',
  metrics: 'metricsToldMs',
  'db-log': 'logRowMs',
};

/** One channel judged over the faults it ran in. */
interface ChannelJudgement {
  channel: Channel;
  /** Per fault: the time until told (null = never), and the run's label. */
  byFault: Array<{ fault: string; toldMs: number | null }>;
  /** The slowest fault's time; null when some fault never told. */
  worstToldMs: number | null;
  alertsLost: number;
  monthUsd: number | null;
  /** Why it does not qualify; null when it does. */
  disqualified: string | null;
}

function judge(
  channel: Channel,
  runs: ReadonlyArray<{ o: UsableOutcome; f: Record<string, number | null> }>,
  infra: Infrastructure,
): ChannelJudgement {
  const carrying = runs.filter(({ o }) => channelsOf(o.result).includes(channel));
  // One figure per fault: metrics ride along in every run, so a fault may have several; the first to tell counts.
  const byFault: Array<{ fault: string; toldMs: number | null }> = [];
  for (const { o, f } of carrying) {
    const fault = faultOf(o.result)?.name ?? 'no fault';
    const toldMs = f[TOLD_KEY[channel]] ?? null;
    const seen = byFault.find((b) => b.fault === fault);
    if (seen === undefined) byFault.push({ fault, toldMs });
    else if (toldMs !== null) seen.toldMs = seen.toldMs === null ? toldMs : Math.min(seen.toldMs, toldMs);
  }
  const worstToldMs = byFault.some((b) => b.toldMs === null) ? null : Math.max(...byFault.map((b) => b.toldMs ?? 0));
  const alertsLost = channel.startsWith('telegram')
    ? carrying.reduce((sum, { f }) => sum + (f.alertsRefused ?? 0), 0)
    : 0;
  const never = byFault.find((b) => b.toldMs === null);
  const late = byFault.find((b) => b.toldMs !== null && b.toldMs > TOLD_WITHIN_MS);
  let disqualified: string | null = null;
  if (channel === 'db-log') disqualified = 'tells no one by itself: a row waits until someone queries the table';
  else if (never !== undefined) disqualified = `never told the team in the ${never.fault}`;
  else if (late !== undefined) disqualified = `told the team only after ${ms(late.toldMs)} in the ${late.fault}`;
  else if (alertsLost > 0) disqualified = `lost ${counted(alertsLost, 'alert')} to the flood limit (429)`;
  return { channel, byFault, worstToldMs, alertsLost, monthUsd: monthUsd(channel, infra), disqualified };
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const price = (usd: number | null) => (usd === null ? 'unpriced' : `$${num(usd)}/month`);
/** "63 s after the Claude 529 storm started, never in the PostgreSQL outage". */
const toldPhrase = (j: ChannelJudgement) =>
  j.byFault
    .map((b) => (b.toldMs === null ? `never in the ${b.fault}` : `${ms(b.toldMs)} after the ${b.fault} started`))
    .join(', ');

/** Ranks qualifying channels: cheapest, then fastest in the slower fault. */
function byPick(a: ChannelJudgement, b: ChannelJudgement): number {
  return (
    (a.monthUsd ?? Number.POSITIVE_INFINITY) - (b.monthUsd ?? Number.POSITIVE_INFINITY) ||
    (a.worstToldMs ?? 0) - (b.worstToldMs ?? 0)
  );
}

/** What would make the runner-up the pick, in words from the figures. */
function wouldChangeIf(
  winner: ChannelJudgement,
  runnerUp: ChannelJudgement | undefined,
  closestOut: ChannelJudgement | undefined,
): string {
  if (runnerUp !== undefined) {
    if ((runnerUp.monthUsd ?? 0) > (winner.monthUsd ?? 0)) {
      return `The pick changes to ${CHANNEL_NAME[runnerUp.channel]} if it cost no more than ${CHANNEL_NAME[winner.channel]} (${price(runnerUp.monthUsd)} against ${price(winner.monthUsd)}), or if ${CHANNEL_NAME[winner.channel]} started losing alerts or telling later than ${TOLD_WITHIN_MS / 60_000} minutes.`;
    }
    if (runnerUp.worstToldMs === winner.worstToldMs) {
      return `${capitalized(CHANNEL_NAME[winner.channel])} and ${CHANNEL_NAME[runnerUp.channel]} tie on price and on time to tell (${ms(winner.worstToldMs)}); the pick changes with any difference between them, or to both (they do not exclude each other).`;
    }
    return `The pick changes to ${CHANNEL_NAME[runnerUp.channel]} (same price) if it told the team in under ${ms(winner.worstToldMs)}, the time ${CHANNEL_NAME[winner.channel]} took (it took ${ms(runnerUp.worstToldMs)}).`;
  }
  if (closestOut !== undefined) {
    return `The pick changes only if another channel qualifies: the closest, ${CHANNEL_NAME[closestOut.channel]}, ${closestOut.disqualified}.`;
  }
  return 'The pick changes only if another channel is measured beside it.';
}

/**
 * The monitoring verdict: which channel tells the team of an error storm in time, without losing alerts,
 * for the least money.
 *
 * @example
 * monitoringRule.decide(outcomes, question).answer
 * // "Choose Telegram summary alerts at 10K DAU: it told the team 45 s after the fault started ..."
 */
export function monitoringRuleWith(infra: Infrastructure): VerdictRule {
  return {
    rule: MONITORING_RULE,
    decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict {
      const v = verdictSkeleton('monitoring', question, MONITORING_RULE, outcomes, COLUMNS, (o) => figures(o, infra));
      const runs = outcomes
        .filter(isUsable)
        .filter((o) => faultOf(o.result) !== null)
        .map((o) => ({ o, f: figures(o, infra) }));
      if (runs.length === 0) return noData(v, 'no variant completed with a fault on its record');
      for (const { o, f } of runs) {
        const channels = channelsOf(o.result).map((c) => CHANNEL_NAME[c]);
        v.sentences.push(
          `${o.label}: ${channels.join(', ')}; p95 reply ${ms(f.replyP95Ms)}` +
            (f.alertsRefused === null ? '' : `; ${counted(f.alertsRefused, 'alert')} refused (429)`) +
            (f.logConnectionsPeak === null
              ? ''
              : `; the error log held up to ${counted(f.logConnectionsPeak, 'pool connection')}`) +
            '.',
        );
      }
      const channels = [...new Set(runs.flatMap(({ o }) => channelsOf(o.result)))];
      const judged = channels.map((c) => judge(c, runs, infra));
      for (const j of judged) {
        v.expectations.push({
          variant: CHANNEL_NAME[j.channel],
          text: `tells the team within ${TOLD_WITHIN_MS / 60_000} minutes in every fault without losing an alert`,
          met: j.channel === 'db-log' ? null : j.disqualified === null,
        });
      }
      const dbLog = judged.find((j) => j.channel === 'db-log');
      const logCost = dbLog === undefined ? '' : ` The PostgreSQL error log ${dbLogCost(runs)}.`;
      const qualifying = judged.filter((j) => j.disqualified === null).sort(byPick);
      const out = judged
        .filter((j) => j.disqualified !== null && j.channel !== 'db-log')
        .sort((a, b) => (a.worstToldMs ?? Number.POSITIVE_INFINITY) - (b.worstToldMs ?? Number.POSITIVE_INFINITY));
      const figure = judged.map((j) => `${CHANNEL_NAME[j.channel]}: ${toldPhrase(j)}`).join('; ');
      const winner = qualifying[0];
      if (winner === undefined) {
        const reasons = out.map((j) => `${CHANNEL_NAME[j.channel]} ${j.disqualified}`).join('; ');
        return {
          ...v,
          status: 'answered',
          answer: `No channel told the team within ${TOLD_WITHIN_MS / 60_000} minutes in every fault without losing an alert${reasons === '' ? '' : `: ${reasons}`}.${logCost}`,
          recommendation: `Do not rely on any of these channels alone yet: none told the team within ${TOLD_WITHIN_MS / 60_000} minutes in every fault without losing an alert.`,
          figure,
          changesIf: wouldChangeIf({ ...judged[0]!, disqualified: null }, undefined, out[0]).replace(
            'The pick changes only if another channel qualifies',
            'An answer needs one channel to qualify',
          ),
          winner: null,
        };
      }
      const runnerUp = qualifying[1];
      const tie = runnerUp !== undefined && byPick(winner, runnerUp) === 0;
      const others = out.map((j) => `${CHANNEL_NAME[j.channel]} ${j.disqualified}`).join('; ');
      const lead = tie
        ? `Choose ${CHANNEL_NAME[winner.channel]} or ${CHANNEL_NAME[runnerUp!.channel]} at 10K DAU (a tie: both ${price(winner.monthUsd)}, both told the team within ${ms(winner.worstToldMs)})`
        : `Choose ${CHANNEL_NAME[winner.channel]} at 10K DAU: it told the team ${toldPhrase(winner)}, lost no alert and costs ${price(winner.monthUsd)}`;
      return {
        ...v,
        status: 'answered',
        answer: `${lead}${others === '' ? '' : `; ${others}`}.${logCost}`,
        recommendation: tie
          ? `Tell the team of errors through ${CHANNEL_NAME[winner.channel]} or ${CHANNEL_NAME[runnerUp!.channel]} (${price(winner.monthUsd)} either way).`
          : `Tell the team of errors through ${CHANNEL_NAME[winner.channel]} (${price(winner.monthUsd)}): it reached them ${toldPhrase(winner)} and lost no alert.`,
        figure,
        changesIf: wouldChangeIf(winner, runnerUp, out[0]),
        winner: runs.find(({ o }) => channelsOf(o.result).includes(winner.channel))?.o.label ?? null,
      };
    },
  };
}

/** The error log's price in the users' p95 and in pool connections, against the run without it (same fault). */
function dbLogCost(runs: ReadonlyArray<{ o: UsableOutcome; f: Record<string, number | null> }>): string {
  const parts: string[] = [];
  for (const { o, f } of runs.filter(({ o }) => channelsOf(o.result).includes('db-log'))) {
    const fault = faultOf(o.result)!.name;
    // The baseline carries neither the log nor the Sentry client (whose own start cost would blur the comparison).
    const baseline = runs.find(
      (r) =>
        faultOf(r.o.result)?.name === fault && channelsOf(r.o.result).every((c) => c !== 'db-log' && c !== 'sentry'),
    );
    const base = baseline?.f.replyP95Ms ?? null;
    const p95 = f.replyP95Ms ?? null;
    const delta = base === null || p95 === null ? null : p95 - base;
    const hurts = base !== null && delta !== null && delta > Math.max(P95_SLACK.ms, base * P95_SLACK.share);
    const slack = base === null ? null : Math.max(P95_SLACK.ms, base * P95_SLACK.share);
    parts.push(
      `in the ${fault} held up to ${counted(f.logConnectionsPeak, 'pool connection')}; the users' p95 was ` +
        (delta === null || slack === null
          ? `${ms(p95)}, with no run without it to compare`
          : `${ms(p95)} against ${ms(base)} without it (${hurts ? 'worse by more than' : 'within'} the ${ms(slack)} slack)`),
    );
  }
  return parts.join('; ');
}

export const monitoringRule: VerdictRule = {
  rule: MONITORING_RULE,
  decide: (outcomes, question) => monitoringRuleWith(defaultInfrastructure()).decide(outcomes, question),
};
