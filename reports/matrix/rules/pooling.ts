import { seriesFor } from '../../../contracts/series.ts';
import { percentileOf } from '../../analysis/histogram.ts';
import { defaultInfrastructure } from '../../data/infrastructure.ts';
import {
  botKnobNumber,
  counted,
  isUsable,
  ms,
  noData,
  num,
  replyP95Ms,
  type UsableOutcome,
  verdictSkeleton,
} from '../figures.ts';
import type { MatrixVerdict, VariantOutcome, VerdictColumn, VerdictRule } from '../types.ts';
import { buyablePlan } from './pooling-plan.ts';

/** PostgreSQL's superuser_reserved_connections default: ordinary clients get max_connections minus this. */
export const RESERVED_CONNECTIONS = 3;

export const POOLING_RULE =
  `a direct plan whose pools add up to more than max_connections - ${RESERVED_CONNECTIONS} reserved ` +
  '(instances x poolMax > usable connections) must show "too many clients" errors (SQLSTATE 53300) once ' +
  'the load needs the connections; a variant qualifies with zero 53300 errors and zero duplicated digests (so ' +
  'a scheduler strategy that breaks behind the pooler fails); among qualifying variants the fewest lost ' +
  'updates win, then the fewest digests unsent when the run ended, then the lower p95 reply latency (lost ' +
  'updates and unsent digests also measure the machine and the short window, so they rank rather than ' +
  "disqualify). Pool wait is the bots' pg pool waiting clients (peak); " +
  "connections per instance is the most one instance's pool had open at once (what the instance's work held). " +
  'The plan to buy is priced from the cost data (reports/data/infrastructure.json): through a pooler, the ' +
  "database plan's pooled endpoint while instances x poolMax fits its client-connection limit; direct, the " +
  'smallest compute size whose max_connections minus the reserved ones holds instances x poolMax.';

const COLUMNS: readonly VerdictColumn[] = [
  { key: 'pooled', label: 'instances x poolMax', unit: 'connections' },
  { key: 'usable', label: 'usable server connections', unit: 'connections' },
  { key: 'errors53300', label: '53300 errors', unit: 'errors' },
  { key: 'connectionsSeen', label: 'server connections (peak)', unit: 'connections' },
  { key: 'perInstancePeak', label: 'connections per instance (peak)', unit: 'connections' },
  { key: 'poolWaitingPeak', label: 'pool waiting (peak)', unit: 'clients' },
  { key: 'poolWaitP95Ms', label: 'pool wait p95', unit: 'ms' },
  { key: 'replyP95Ms', label: 'p95 reply', unit: 'ms' },
  { key: 'lost', label: 'lost updates', unit: 'updates' },
  { key: 'digestsMissing', label: 'digests missing', unit: 'digests' },
  { key: 'digestsDuplicated', label: 'digests duplicated', unit: 'digests' },
];

interface Plan {
  instances: number;
  poolMax: number | null;
  pooled: number | null;
  usable: number;
  viaPooler: boolean;
}

function planOf(o: UsableOutcome): Plan {
  const r = o.result;
  const poolMax = botKnobNumber(r, 'database.poolMax') ?? null;
  const instances = r.environment.bot.instances;
  return {
    instances,
    poolMax,
    pooled: poolMax === null ? null : poolMax * instances,
    usable: r.environment.postgres.maxConnections - RESERVED_CONNECTIONS,
    viaPooler: r.environment.pgbouncer !== undefined,
  };
}

function figures(o: UsableOutcome): Record<string, number | null> {
  const r = o.result;
  const plan = planOf(o);
  const waiting = seriesFor(r, 'pgPoolWaiting').flatMap((s) => s.points.map(([, value]) => value));
  const open = seriesFor(r, 'pgPoolTotal').flatMap((s) => s.points.map(([, value]) => value));
  return {
    pooled: plan.pooled,
    usable: plan.usable,
    errors53300: r.database.connectionErrors53300,
    connectionsSeen: r.database.maxConnectionsSeen,
    perInstancePeak: open.length > 0 ? Math.max(...open) : null,
    poolWaitingPeak: waiting.length > 0 ? Math.max(...waiting) : null,
    poolWaitP95Ms: r.database.poolWaitMs === undefined ? null : percentileOf(r.database.poolWaitMs, 95),
    replyP95Ms: replyP95Ms(r),
    lost: r.correctness.lostUpdates,
    digestsMissing: r.correctness.digests.expected > 0 ? r.correctness.digests.missing : null,
    digestsDuplicated: r.correctness.digests.expected > 0 ? r.correctness.digests.duplicated : null,
  };
}

/** What disqualifies a plan: the connections overflowed, or its scheduler strategy broke. */
function faults(f: Record<string, number | null>): string[] {
  const out: string[] = [];
  if ((f.errors53300 ?? 0) > 0) out.push(`${counted(f.errors53300, 'connection error')} (53300)`);
  if ((f.digestsDuplicated ?? 0) > 0) out.push(counted(f.digestsDuplicated, 'duplicated digest'));
  return out;
}

/** What ranks qualifying plans, printed for every plan. */
function losses(f: Record<string, number | null>): string {
  const lost = counted(f.lost, 'lost update');
  return f.digestsMissing === null ? lost : `${lost}, ${counted(f.digestsMissing, 'digest')} unsent at the end`;
}

/**
 * The pooling verdict: the connection arithmetic predicts which plans overflow; the run shows whether they did.
 *
 * @example
 * poolingRule.decide(outcomes, question).expectations[0]
 * // { variant: '5 x 50 direct', text: '5 x 50 = 250 pooled > 97 usable: must show 53300 errors', met: true }
 */
export const poolingRule: VerdictRule = {
  rule: POOLING_RULE,
  decidingFigure: { column: 'errors53300', better: 'lower' },
  decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict {
    const v = verdictSkeleton('pooling', question, POOLING_RULE, outcomes, COLUMNS, figures);
    const usable = outcomes.filter(isUsable);
    if (usable.length === 0) return noData(v, 'no variant completed');
    for (const o of usable) {
      const plan = planOf(o);
      const f = figures(o);
      const arithmetic =
        plan.pooled === null
          ? `${plan.instances} instances with an unknown pool size`
          : `${plan.instances} x ${plan.poolMax} = ${plan.pooled} pooled connections`;
      if (!plan.viaPooler && plan.pooled !== null && plan.pooled > plan.usable) {
        // Not met only if the bots did use every usable connection and still saw no error; below that the
        // load never asked for the overflow, so the prediction was not put to the test.
        const seen = f.connectionsSeen ?? 0;
        const met = (f.errors53300 ?? 0) > 0 ? true : seen >= plan.usable ? false : null;
        v.expectations.push({
          variant: o.label,
          text: `${arithmetic} > ${plan.usable} usable (max_connections ${plan.usable + RESERVED_CONNECTIONS}): must show 53300 errors`,
          met,
        });
      }
      const found = faults(f);
      v.sentences.push(
        `${o.label}${plan.viaPooler ? ' (through PgBouncer)' : ''}: ${arithmetic} against ${plan.usable} usable; ` +
          `peak ${num(f.connectionsSeen)} server connections, ${num(f.errors53300)} 53300 errors, ` +
          `pool waiting peak ${num(f.poolWaitingPeak)}, p95 reply ${ms(f.replyP95Ms)}, ${losses(f)}` +
          `${found.length > 0 ? `; fails: ${found.join(', ')}` : '; qualifies'}.`,
      );
    }
    for (const e of v.expectations) {
      const seen = num(usable.find((o) => o.label === e.variant)?.result.database.maxConnectionsSeen);
      if (e.met === null) {
        v.sentences.push(
          `${e.variant} did not show the predicted 53300 errors: the load needed at most ${seen} server ` +
            'connections, so the overflow was not reached in this run.',
        );
      } else if (e.met === false) {
        v.sentences.push(
          `${e.variant} used ${seen} server connections and still saw no 53300 error: the prediction failed.`,
        );
      }
    }
    const rank = (o: UsableOutcome): number[] => {
      const f = figures(o);
      return [f.lost ?? 0, f.digestsMissing ?? 0, f.replyP95Ms ?? Number.POSITIVE_INFINITY];
    };
    const passing = usable
      .filter((o) => faults(figures(o)).length === 0)
      .sort((a, b) => {
        const [x, y] = [rank(a), rank(b)];
        return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
      });
    const overflowing = v.expectations.filter((e) => e.met === true).map((e) => e.variant);
    const winner = passing[0];
    const overflowText =
      overflowing.length > 0
        ? `${overflowing.join(', ')} hit 53300 as the arithmetic predicts`
        : 'no variant hit 53300 in this run';
    if (winner === undefined) {
      const why = usable.map((o) => {
        const f = figures(o);
        const found = faults(f);
        return `${o.label}: ${found.join(', ')}${(f.poolWaitingPeak ?? 0) > 0 ? ` (pool waiting peak ${num(f.poolWaitingPeak)})` : ''}`;
      });
      // The demand is what the least constrained direct plan (the largest pool) held: the others cap it.
      const roomiest = usable
        .filter((o) => !planOf(o).viaPooler && figures(o).perInstancePeak !== null)
        .sort((a, b) => (planOf(b).poolMax ?? 0) - (planOf(a).poolMax ?? 0))[0];
      const demand =
        roomiest === undefined
          ? 'no direct plan recorded its pools'
          : (() => {
              const { instances, usable: room } = planOf(roomiest);
              const held = figures(roomiest).perInstancePeak ?? 0;
              return `${roomiest.label} held up to ${num(held)} connections per instance at once (${instances} x ${num(held)} = ${num(instances * held)} against ${num(room)} usable)`;
            })();
      return {
        ...v,
        status: 'answered',
        answer: `No pooling plan qualified. ${why.join('; ')}.`,
        recommendation:
          'Buy none of the measured pooling plans yet: each one overflowed max_connections or duplicated digests here.',
        figure: `${overflowText}; ${demand}`,
        changesIf:
          'A direct plan passes once instances x the connections each instance holds at once fits the usable ' +
          'connections, and a pooler once its server pool is not held by open transactions and its scheduler ' +
          'works through it.',
      };
    }
    const w = figures(winner);
    const plan = planOf(winner);
    const headroom = plan.pooled === null || plan.viaPooler ? null : plan.usable - plan.pooled;
    const buy =
      plan.pooled === null
        ? ''
        : ` ${buyablePlan(defaultInfrastructure(), { viaPooler: plan.viaPooler, clientConnections: plan.pooled })}`;
    return {
      ...v,
      status: 'answered',
      answer:
        `${winner.label}: zero 53300 errors and no duplicated digest, the fewest losses of the plans that qualify (${losses(w)}), p95 reply ${ms(w.replyP95Ms)}.` +
        buy,
      recommendation: `Run the bots as ${winner.label}: no connection error and no duplicated digest, with the fewest losses.${buy}`,
      figure:
        `${overflowText}; ${winner.label} peaked at ${num(w.connectionsSeen)} server connections of ${plan.usable} usable` +
        (passing[1] === undefined ? '' : `; next: ${passing[1].label} (${losses(figures(passing[1]))})`),
      changesIf:
        headroom === null
          ? `The pick changes if the pooler's server pool (${num(winner.result.environment.pgbouncer?.defaultPoolSize)}) becomes the wait: pool waiting peaked at ${num(w.poolWaitingPeak)}.`
          : headroom < 0
            ? `${winner.label}'s pools already exceed the ${plan.usable} usable connections by ${-headroom}; it stayed clean only because the load needed at most ${num(w.connectionsSeen)}, so more load overflows it.`
            : `The pick changes once instances x poolMax passes ${plan.usable} usable connections (headroom now ${headroom}), e.g. by adding instances or a job-queue pool.`,
      winner: winner.label,
    };
  },
};
