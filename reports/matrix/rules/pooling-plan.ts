import type { Infrastructure } from '../../data/infrastructure.ts';
import { formatUsd } from '../../render/format.ts';
import { num } from '../figures.ts';

/** Hours in a month, as the infrastructure data's always-on CU-hours count them (730). */
const HOURS_PER_MONTH = 730;

/** What the pooling winner needs from a database plan. */
export interface PoolingNeed {
  /** Whether the winner reached Postgres through a transaction pooler. */
  viaPooler: boolean;
  /** Connections the instances open to what they connect to: instances x poolMax (clients of the pooler, or server connections). */
  clientConnections: number;
}

/**
 * The plan to buy for the pooling winner, priced from the infrastructure data: the smallest compute size
 * whose max_connections (minus the reserved ones) holds the direct pools, or, through the pooler, the
 * plan's pooled endpoint with its client-connection limit. Says when the free tier is enough.
 *
 * @example
 * buyablePlan(defaultInfrastructure(), { viaPooler: true, clientConnections: 250 })
 * // "Buy Neon Launch at 0.25 CU ($19.35/month) and connect through its pooled endpoint (...)"
 */
export function buyablePlan(infra: Infrastructure, need: PoolingNeed): string {
  const db = infra.database;
  const cuHour = infra.lines.find((l) => l.id === 'database' && l.per === 'CU-hour');
  const pooler = infra.lines.find((l) => l.id === 'pooler');
  const monthly = (cu: number) => (cuHour === undefined ? null : cuHour.priceUsd * cu * HOURS_PER_MONTH);
  const price = (cu: number) => {
    const usd = monthly(cu);
    return usd === null ? 'price not in the cost data' : `${formatUsd(usd)}/month`;
  };
  const sizes = [...db.maxConnectionsByComputeUnits].sort((a, b) => a.computeUnits - b.computeUnits);
  const smallest = sizes.find((s) => s.computeUnits === db.computeUnits) ?? sizes[0];
  if (smallest === undefined) return 'The cost data lists no database size, so no plan can be named.';
  if (need.viaPooler) {
    const limit = db.poolerMaxClientConnections;
    if (limit === undefined)
      return `${db.plan} has no pooled endpoint in the cost data: price a PgBouncer of your own.`;
    const fits = need.clientConnections <= limit;
    const poolerCost =
      pooler === undefined || pooler.priceUsd === 0 ? 'included' : `${formatUsd(pooler.priceUsd)}/month`;
    return fits
      ? `Buy ${db.plan} at ${smallest.computeUnits} CU (${price(smallest.computeUnits)}) and connect through its pooled endpoint (${poolerCost}): ${num(need.clientConnections)} client connections against its limit of ${num(limit)}, on ${num(smallest.maxConnections)} server connections.`
      : `${db.plan}'s pooled endpoint takes ${num(limit)} client connections and the pools need ${num(need.clientConnections)}: shrink poolMax or run a PgBouncer of your own.`;
  }
  const size = sizes.find((s) => s.maxConnections - db.reservedConnections >= need.clientConnections);
  const free = db.freePlan;
  const freeText =
    free === undefined
      ? ''
      : need.clientConnections <= free.maxConnections - db.reservedConnections
        ? ` ${free.plan} (${num(free.maxConnections)} connections) would hold it too.`
        : ` ${free.plan} (${num(free.maxConnections)} connections) would not.`;
  if (size === undefined) {
    const largest = sizes.at(-1)!;
    return `No ${db.plan} size in the cost data holds ${num(need.clientConnections)} direct connections (the largest, ${largest.computeUnits} CU, has ${num(largest.maxConnections)}): connect through the pooled endpoint instead.`;
  }
  return `Buy ${db.plan} at ${size.computeUnits} CU (${price(size.computeUnits)}): ${num(need.clientConnections)} direct connections fit its ${num(size.maxConnections)} max_connections minus ${num(db.reservedConnections)} reserved.${freeText}`;
}
