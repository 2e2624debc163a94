import { describe, expect, it } from 'vitest';
import { approximateMva, asymptoticBounds, exactMva, type Station } from './mva.ts';

/** Throughput of a closed network by brute force (Buzen's normalising constant over every state). */
function convolutionThroughput(stations: readonly Station[], thinkS: number, users: number): number {
  const g = (n: number): number => {
    let total = 0;
    const visit = (k: number, left: number, weight: number) => {
      if (k === stations.length) {
        // The rest are thinking: Z^m / m!.
        let think = 1;
        for (let m = 1; m <= left; m++) think *= thinkS / m;
        total += weight * think;
        return;
      }
      let w = weight;
      for (let j = 0; j <= left; j++) {
        visit(k + 1, left - j, w);
        w *= stations[k]!.demandS / Math.min(j + 1, stations[k]!.servers);
      }
    };
    visit(0, n, 1);
    return total;
  };
  return g(users - 1) / g(users);
}

/** Finite-source M/M/c//N (the machine-repairman model with c repairmen), by its birth-death balance. */
function finiteSourceThroughput(demandS: number, servers: number, thinkS: number, users: number): number {
  const logP = [0];
  for (let j = 1; j <= users; j++)
    logP.push(logP[j - 1]! + Math.log(((users - j + 1) / thinkS) * (demandS / Math.min(j, servers))));
  const top = Math.max(...logP);
  const p = logP.map((l) => Math.exp(l - top));
  const total = p.reduce((a, b) => a + b, 0);
  return p.reduce((x, pj, j) => x + (pj / total) * (Math.min(j, servers) / demandS), 0);
}

describe('exact MVA', () => {
  it('matches the machine-repairman closed form (one queue, think time)', () => {
    const points = exactMva([{ name: 'cpu', demandS: 0.5, servers: 1 }], 4, 20);
    for (const n of [1, 2, 5, 10, 20]) {
      expect(points[n - 1]!.throughputPerS).toBeCloseTo(finiteSourceThroughput(0.5, 1, 4, n), 10);
    }
    // Past saturation throughput tends to 1 / D and R to N D - Z.
    expect(points[19]!.throughputPerS).toBeCloseTo(2, 2);
    expect(points[19]!.responseS).toBeCloseTo(20 * 0.5 - 4, 1);
  });

  it('matches the finite-source M/M/c closed form for a multi-server station (a bulkhead of c slots)', () => {
    const points = exactMva([{ name: 'claude', demandS: 8, servers: 10 }], 27, 1_000);
    for (const n of [5, 50, 100, 150, 200, 1_000]) {
      const exact = finiteSourceThroughput(8, 10, 27, n);
      expect(Math.abs(points[n - 1]!.throughputPerS / exact - 1), `N=${n}`).toBeLessThan(1e-3);
    }
  });

  it("agrees with Buzen's convolution on a network of queues, servers and a delay", () => {
    const stations: Station[] = [
      { name: 'cpu', demandS: 0.2, servers: 1 },
      { name: 'disk', demandS: 0.35, servers: 1 },
      { name: 'pool', demandS: 0.9, servers: 3 },
      { name: 'llm', demandS: 1.5, servers: Infinity },
    ];
    const points = exactMva(stations, 2, 6);
    for (const n of [1, 3, 6]) {
      expect(points[n - 1]!.throughputPerS).toBeCloseTo(convolutionThroughput(stations, 2, n), 10);
    }
    // Little's law on the whole loop: N = X (Z + R).
    const last = points[5]!;
    expect(last.throughputPerS * (2 + last.responseS)).toBeCloseTo(6, 10);
  });
});

describe("Schweitzer's approximation", () => {
  it('stays within a few percent of exact MVA', () => {
    const stations: Station[] = [
      { name: 'cpu', demandS: 0.01, servers: 1 },
      { name: 'claude', demandS: 3, servers: 10 },
    ];
    const exact = exactMva(stations, 27, 300);
    for (const n of [20, 100, 300]) {
      const approx = approximateMva(stations, 27, n);
      expect(Math.abs(approx.throughputPerS / exact[n - 1]!.throughputPerS - 1)).toBeLessThan(0.05);
    }
  });
});

describe('asymptotic bounds', () => {
  it('names the bottleneck as the largest demand per server and estimates the knee', () => {
    const b = asymptoticBounds(
      [
        { name: 'cpu', demandS: 0.01, servers: 1 },
        { name: 'claude', demandS: 3.5, servers: 10 },
        { name: 'latency', demandS: 1, servers: Infinity },
      ],
      27,
    );
    expect(b.bottleneck).toEqual({ name: 'claude', demandPerServerS: 0.35 });
    expect(b.kneeUsers).toBeCloseTo((4.51 + 27) / 0.35, 10);
    expect(b.maxThroughputPerS).toBeCloseTo(1 / 0.35, 10);
  });
});
