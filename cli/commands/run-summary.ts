import { decodeHistogram } from '../../contracts/histogram.ts';
import type { EncodedHistogram, RunResult } from '../../contracts/run-result.ts';
import { histogramStats } from '../../loadgen/metrics/histogram.ts';
import { formatFaults } from '../../reports/faults.ts';
import { distortedMessage, fidelityLine, floodWaitNote, notJudged } from '../../reports/fidelity.ts';
import { formatGate } from './gate.ts';

function latencyLine(label: string, encoded: EncodedHistogram): string {
  if (encoded.count === 0) return `${label}: no updates`;
  const s = histogramStats(decodeHistogram(encoded));
  // One value per update; updates without a reply count at the deadline (see RunResult.latency).
  return `${label}: p50 ${s.p50} ms  p95 ${s.p95} ms  p99 ${s.p99} ms  max ${s.max} ms  (${s.count} updates)`;
}

function sumValues(record: Readonly<Record<string, number>>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

/**
 * The short summary `botcap run` prints: what ran, how fast the bot answered, what went wrong, what
 * Claude cost in tokens, and each threshold. Pure: `(result, outDir) => string`.
 *
 * @example
 * process.stdout.write(formatRunSummary(result, 'botcap-out/smoke-20261130-120000'));
 */
export function formatRunSummary(result: RunResult, outDir: string | undefined): string {
  const env = result.environment;
  const c = result.correctness;
  const lines = [
    fidelityLine(result.fidelity),
    `${result.scenario.name}${result.variant ? ` (${result.variant})` : ''}: ${result.status}, ` +
      `${result.durationSimulatedS.toFixed(0)} s simulated in ${result.durationRealS.toFixed(1)} s at ${result.timeScale}x`,
    `bot: ${env.bot.kind} x${env.bot.instances} ${env.bot.transport}; postgres ${env.postgres.runtime} ${env.postgres.version} ` +
      `(max_connections ${env.postgres.maxConnections})${env.pgbouncer ? `, pgbouncer pool ${env.pgbouncer.defaultPoolSize}` : ''}`,
    `load: ${result.load.model}, ${result.load.updatesInjected} updates (${result.load.updatesDropped} dropped), ` +
      `peak ${result.load.maxVus} VUs`,
    latencyLine('reply (final)', result.latency.replyFinal),
    latencyLine('reply (first output)', result.latency.replyFirst),
    `correctness: ${c.lostUpdates} lost, ${c.duplicateReplies} duplicate, ${c.outOfOrderReplies} out of order, ` +
      `${c.fallbackReplies} fallbacks; digests ${c.digests.delivered}/${c.digests.expected} ` +
      `(${c.digests.missing} missing, ${c.digests.duplicated} duplicated)`,
    `errors: ${
      sumValues(c.errorsByKind) === 0
        ? 'none'
        : Object.entries(c.errorsByKind)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')
    }`,
    `claude: ${result.claude.total.calls} calls, ${result.claude.total.inputTokens} in / ${result.claude.total.outputTokens} out tokens, ` +
      `${result.claude.retries} retries, peak ${result.claude.peakConcurrency} concurrent`,
    `telegram: ${result.telegram.botCalls} bot calls, ${result.telegram.floodLimited429} flood 429s, ` +
      `${result.telegram.webhookRedeliveries} redeliveries`,
    `database: ${result.database.maxConnectionsSeen} connections at most, ${result.database.connectionErrors53300} refused (53300)`,
  ];
  const floodNote = floodWaitNote({
    timeScale: result.timeScale,
    botKind: env.bot.kind,
    floodLimited429: result.telegram.floodLimited429,
  });
  if (floodNote !== undefined) lines.push(`note: ${floodNote}`);
  if (result.faults !== undefined && result.faults.length > 0) lines.push(`faults: ${formatFaults(result.faults)}`);
  if (result.error) lines.push(`error: ${result.error}`);
  const thresholds =
    result.thresholds.length === 0
      ? 'no thresholds\n'
      : `${notJudged(result.fidelity) ? `NOT JUDGED (${distortedMessage(result.fidelity).replace(/^not judged: /, '')}); for information:\n` : ''}${formatGate(result.thresholds, 'thresholds', 'scenario and --threshold', 'text')}`;
  const out = outDir === undefined ? '' : `results in ${outDir}\n`;
  return `${lines.join('\n')}\n${thresholds}${out}`;
}
