import { describe, expect, it } from 'vitest';
import { defaultInfrastructure, type Infrastructure } from '../../data/infrastructure.ts';
import { buyablePlan } from './pooling-plan.ts';

const infra = defaultInfrastructure();
const launch = infra.lines.find((l) => l.id === 'database')!;
const usd = (cu: number) => `$${(launch.priceUsd * cu * 730).toFixed(2)}/month`;

describe('the pooling plan to buy', () => {
  it('through the pooler: the pooled endpoint with its client limit, on the smallest size', () => {
    expect(buyablePlan(infra, { viaPooler: true, clientConnections: 250 })).toBe(
      `Buy Neon Launch at 0.25 CU (${usd(0.25)}) and connect through its pooled endpoint (included): 250 client connections against its limit of 10,000, on 104 server connections.`,
    );
  });

  it('through the pooler past its client limit: says so instead of naming a plan that fails', () => {
    expect(buyablePlan(infra, { viaPooler: true, clientConnections: 12_000 })).toBe(
      "Neon Launch's pooled endpoint takes 10,000 client connections and the pools need 12,000: shrink poolMax or run a PgBouncer of your own.",
    );
  });

  it('direct: the smallest size whose max_connections holds the pools, and whether the free tier would', () => {
    expect(buyablePlan(infra, { viaPooler: false, clientConnections: 50 })).toBe(
      `Buy Neon Launch at 0.25 CU (${usd(0.25)}): 50 direct connections fit its 104 max_connections minus 7 reserved. Neon Free (100 connections) would hold it too.`,
    );
    expect(buyablePlan(infra, { viaPooler: false, clientConnections: 150 })).toBe(
      `Buy Neon Launch at 0.5 CU (${usd(0.5)}): 150 direct connections fit its 209 max_connections minus 7 reserved. Neon Free (100 connections) would not.`,
    );
    expect(buyablePlan(infra, { viaPooler: false, clientConnections: 500 })).toMatch(
      /^No Neon Launch size in the cost data holds 500 direct connections \(the largest, 1 CU, has 419\): connect through the pooled endpoint instead\.$/,
    );
  });

  it('a plan without a pooled endpoint in the data sends you to your own PgBouncer', () => {
    const noPooler: Infrastructure = structuredClone(infra);
    delete noPooler.database.poolerMaxClientConnections;
    expect(buyablePlan(noPooler, { viaPooler: true, clientConnections: 100 })).toBe(
      'Neon Launch has no pooled endpoint in the cost data: price a PgBouncer of your own.',
    );
  });
});
