/**
 * Mean-value analysis of a closed queueing network with one customer class (Reiser & Lavenberg 1980;
 * Lazowska et al., "Quantitative System Performance", 1984, ch. 6-8, 20): users think for Z, then their
 * update visits each station once with its total demand there. Stations are queueing (one server: an event
 * loop), multi-server (c servers: a bulkhead of c Claude slots, a pool of c connections) or delay (no
 * queueing: Claude's own latency when nothing caps it).
 *
 * Exact MVA with load-dependent stations for up to EXACT_MVA_MAX_USERS users; above that Schweitzer's
 * approximation with Seidmann's multi-server approximation (a c-server station of demand D as a queue of
 * D/c plus a delay of D(c-1)/c), as capacity tools do for large populations.
 */

export interface Station {
  name: string;
  /** Total service demand of one update at this station, seconds. */
  demandS: number;
  /** Servers: 1 = a queue, c > 1 = c parallel servers, Infinity = a delay (pure latency). */
  servers: number;
}

export interface MvaPoint {
  users: number;
  /** Throughput, updates per second. */
  throughputPerS: number;
  /** Mean response time (excluding think time), seconds. */
  responseS: number;
  perStation: Array<{ name: string; responseS: number; queueLength: number; utilization: number }>;
}

/** Largest population solved exactly (O(N^2) per multi-server station); above it, Schweitzer. */
export const EXACT_MVA_MAX_USERS = 3_000;

/**
 * Exact mean-value analysis for populations 1..maxUsers (load-dependent recursion for multi-server stations).
 *
 * @example
 * exactMva([{ name: 'cpu', demandS: 0.005, servers: 1 }, { name: 'claude', demandS: 3.5, servers: 10 }], 27, 200).at(-1)
 */
export function exactMva(stations: readonly Station[], thinkS: number, maxUsers: number): MvaPoint[] {
  const k = stations.length;
  // Queue length for single-server stations; for multi-server ones the marginal probabilities p(j) of j there.
  const queue = new Array<number>(k).fill(0);
  const marginals: Array<Float64Array | null> = stations.map((s) =>
    s.servers > 1 && Number.isFinite(s.servers) ? Float64Array.from([1]) : null,
  );
  const points: MvaPoint[] = [];
  for (let n = 1; n <= maxUsers; n++) {
    const response = stations.map((s, i) => {
      if (!Number.isFinite(s.servers)) return s.demandS;
      if (s.servers <= 1) return s.demandS * (1 + queue[i]!);
      const p = marginals[i]!;
      let r = 0;
      for (let j = 1; j <= n; j++) r += (j / Math.min(j, s.servers)) * s.demandS * (p[j - 1] ?? 0);
      return r;
    });
    const x = n / (thinkS + response.reduce((a, b) => a + b, 0));
    stations.forEach((s, i) => {
      queue[i] = x * response[i]!;
      const prev = marginals[i];
      if (prev === null || prev === undefined) return;
      const next = new Float64Array(n + 1);
      let busy = 0;
      for (let j = 1; j <= n; j++) {
        next[j] = (s.demandS / Math.min(j, s.servers)) * x * (prev[j - 1] ?? 0);
        busy += next[j]!;
      }
      // p(0) = 1 - sum: the recursion's known weak spot at high utilisation (Bolch et al. 2006, 8.2); the
      // tests hold it to 0.1% of the closed forms at saturation.
      next[0] = Math.max(0, 1 - busy);
      marginals[i] = next;
    });
    points.push(point(stations, n, x, response));
  }
  return points;
}

/**
 * Schweitzer's approximate MVA at one population (fixed point of Q_k(N-1) ~ Q_k(N) (N-1)/N), multi-server
 * stations by Seidmann's approximation. Accurate to a few percent on throughput; fast at any N.
 *
 * @example
 * approximateMva(stations, 27, 50_000).throughputPerS
 */
export function approximateMva(stations: readonly Station[], thinkS: number, users: number): MvaPoint {
  // Seidmann: a c-server station of demand D = a queue of D/c and a delay of D (c - 1) / c, both under its name.
  const expanded: Station[] = stations.flatMap((s): Station[] =>
    s.servers > 1 && Number.isFinite(s.servers)
      ? [
          { name: s.name, demandS: s.demandS / s.servers, servers: 1 },
          { name: s.name, demandS: (s.demandS * (s.servers - 1)) / s.servers, servers: Infinity },
        ]
      : [s],
  );
  let queue = expanded.map(() => users / Math.max(1, expanded.length));
  let x = 0;
  let response = expanded.map((s) => s.demandS);
  for (let iteration = 0; iteration < 10_000; iteration++) {
    response = expanded.map((s, i) =>
      Number.isFinite(s.servers) ? s.demandS * (1 + (queue[i]! * (users - 1)) / users) : s.demandS,
    );
    x = users / (thinkS + response.reduce((a, b) => a + b, 0));
    const next = response.map((r) => x * r);
    const change = next.reduce((m, q, i) => Math.max(m, Math.abs(q - queue[i]!)), 0);
    queue = next;
    if (change < 1e-9 * Math.max(1, users)) break;
  }
  const perName = stations.map((s) =>
    expanded.reduce((sum, e, i) => (e.name === s.name ? sum + response[i]! : sum), 0),
  );
  return point(stations, users, x, perName);
}

/**
 * Mean throughput and response at each population in `users`: exact up to EXACT_MVA_MAX_USERS, else
 * Schweitzer.
 *
 * @example
 * solveMva(stations, 27, [100, 500, 5_000]).map((p) => p.responseS)
 */
export function solveMva(stations: readonly Station[], thinkS: number, users: readonly number[]): MvaPoint[] {
  const exactUpTo = Math.min(EXACT_MVA_MAX_USERS, Math.max(0, ...users.filter((n) => n <= EXACT_MVA_MAX_USERS)));
  const exact = exactUpTo > 0 ? exactMva(stations, thinkS, exactUpTo) : [];
  return users.map((n) => (n <= EXACT_MVA_MAX_USERS && n >= 1 ? exact[n - 1]! : approximateMva(stations, thinkS, n)));
}

function point(stations: readonly Station[], users: number, x: number, response: readonly number[]): MvaPoint {
  return {
    users,
    throughputPerS: x,
    responseS: response.reduce((a, b) => a + b, 0),
    perStation: stations.map((s, i) => ({
      name: s.name,
      responseS: response[i]!,
      queueLength: x * response[i]!,
      utilization: Number.isFinite(s.servers) ? (x * s.demandS) / s.servers : 0,
    })),
  };
}

export interface Bounds {
  /** Sum of demands (the response time of a lone user), seconds. */
  totalDemandS: number;
  /** The bottleneck: the largest demand per server. */
  bottleneck: { name: string; demandPerServerS: number };
  /** Throughput ceiling 1 / D_max. */
  maxThroughputPerS: number;
  /** N* = (D + Z) / D_max: the population where the two asymptotes meet, the knee estimate. */
  kneeUsers: number;
}

/**
 * Asymptotic bounds (Lazowska et al. ch. 5): X(N) <= min(N / (D + Z), 1 / D_max), R(N) >= max(D, N D_max - Z),
 * and the knee estimate N* = (D + Z) / D_max, before any solution of the network.
 *
 * @example
 * asymptoticBounds([{ name: 'claude', demandS: 3.5, servers: 10 }], 27).kneeUsers // (3.5 + 27) / 0.35 = 87
 */
export function asymptoticBounds(stations: readonly Station[], thinkS: number): Bounds {
  const finite = stations.filter((s) => Number.isFinite(s.servers) && s.demandS > 0);
  const totalDemandS = stations.reduce((s, x) => s + x.demandS, 0);
  const worst = finite.reduce<Station | undefined>(
    (best, s) => (best === undefined || s.demandS / s.servers > best.demandS / best.servers ? s : best),
    undefined,
  );
  const demandPerServerS = worst === undefined ? 0 : worst.demandS / worst.servers;
  return {
    totalDemandS,
    bottleneck: { name: worst?.name ?? 'none', demandPerServerS },
    maxThroughputPerS: demandPerServerS > 0 ? 1 / demandPerServerS : Number.POSITIVE_INFINITY,
    kneeUsers: demandPerServerS > 0 ? (totalDemandS + thinkS) / demandPerServerS : Number.POSITIVE_INFINITY,
  };
}
