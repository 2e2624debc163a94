import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { AnalysisError } from './errors.ts';
import { ANALYSIS_SCHEMA_VERSION, type LoadLevel, type UslFit, type UslPoint } from './types.ts';

/** Fewer points than this leave 3 parameters under-determined (Gunther; the R `usl` package agrees). */
export const USL_MIN_POINTS = 6;

/**
 * Starting values from the spec (capacity-methods.md), as the R package and usl4j use; a fit from them
 * with R^2 >= acceptRSquared is kept without trying other starts.
 */
export const USL_DEFAULTS = { sigma0: 0.1, kappa0: 0.01, maxIterations: 500, acceptRSquared: 0.98 } as const;

/**
 * LM's damping is the same for every parameter, so parameters 6 orders of magnitude apart (kappa ~1e-4,
 * lambda ~1e2) converge badly. We fit kappa in units of KAPPA_UNIT and lambda and X relative to their
 * scale, then convert back.
 */
const KAPPA_UNIT = 1e-4;

/** X(N) = lambda*N / (1 + sigma*(N-1) + kappa*N*(N-1)). */
export function uslThroughput(n: number, sigma: number, kappa: number, lambda: number): number {
  return (lambda * n) / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

/**
 * Fits the Universal Scalability Law to (concurrency, throughput) points by Levenberg-Marquardt
 * (ml-levenberg-marquardt) with bounds sigma, kappa in [0, 1]. Throws AnalysisError below 6 points.
 *
 * @example
 * const fit = fitUsl(points); // points from runs at increasing concurrency
 * fit.nMax // 96.5 for the SPEC SDM91 data
 */
export function fitUsl(points: readonly UslPoint[]): UslFit {
  const usable = points.filter((p) => p.concurrency > 0 && Number.isFinite(p.throughput));
  if (usable.length < USL_MIN_POINTS) {
    throw new AnalysisError(
      `A USL fit needs at least ${USL_MIN_POINTS} (concurrency, throughput) points with concurrency > 0; got ${usable.length}. ` +
        'Run the scenario at more load levels (e.g. a ramp with more steps, or `botcap matrix` over VUs), including N=1.',
    );
  }
  const n = usable.map((p) => p.concurrency);
  const x = usable.map((p) => p.throughput);
  const lambdaScale = Math.max(...usable.map((p) => p.throughput / p.concurrency));
  const yScale = Math.max(...x);
  if (!(lambdaScale > 0) || !(yScale > 0)) {
    throw new AnalysisError('A USL fit needs some throughput > 0; every point has throughput 0.');
  }
  const ratio = lambdaScale / yScale;
  const model =
    ([sigma, kappaU, lambdaRel]: number[]) =>
    (N: number) =>
      (lambdaRel! * ratio * N) / (1 + sigma! * (N - 1) + kappaU! * KAPPA_UNIT * N * (N - 1));
  const jacobian =
    ([sigma, kappaU, lambdaRel]: number[]) =>
    (N: number) => {
      const d = 1 + sigma! * (N - 1) + kappaU! * KAPPA_UNIT * N * (N - 1);
      const top = lambdaRel! * ratio * N;
      return [(-top * (N - 1)) / d ** 2, (-top * KAPPA_UNIT * N * (N - 1)) / d ** 2, (ratio * N) / d];
    };
  const y = x.map((v) => v / yScale);
  const attempt = (sigma0: number, kappa0: number) =>
    levenbergMarquardt({ x: n, y }, model, {
      initialValues: [sigma0, kappa0 / KAPPA_UNIT, 1],
      jacobianFunction: jacobian,
      minValues: [0, 0, 0],
      maxValues: [1, 1 / KAPPA_UNIT, 1e6],
      maxIterations: USL_DEFAULTS.maxIterations,
      // The library stops when the (scaled) squared error drops below this; tiny, so it runs to a minimum.
      errorTolerance: 1e-14,
    });
  const scaledTotal = y.reduce((sum, v) => sum + (v - y.reduce((a, b) => a + b, 0) / y.length) ** 2, 0);
  const goodEnough = (error: number) => scaledTotal > 0 && 1 - error / scaledTotal >= USL_DEFAULTS.acceptRSquared;
  // The spec's start (sigma 0.1, kappa 0.01, lambda max(X/N)) first. LM is local: when that start lands in
  // a poor minimum, more starts spanning kappa's usual decades are tried and the lowest error wins.
  let fit = attempt(USL_DEFAULTS.sigma0, USL_DEFAULTS.kappa0);
  if (!goodEnough(fit.parameterError)) {
    for (const sigma0 of [0.1, 0.01]) {
      for (const kappa0 of [1e-3, 1e-4, 1e-5, 1e-6]) {
        const next = attempt(sigma0, kappa0);
        if (next.parameterError < fit.parameterError) fit = next;
      }
    }
  }
  const [sigma, kappaU, lambdaRel] = fit.parameterValues as [number, number, number];
  const kappa = kappaU * KAPPA_UNIT;
  const lambda = lambdaRel * lambdaScale;
  const fitted = n.map((N) => uslThroughput(N, sigma, kappa, lambda));
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const ssRes = x.reduce((sum, v, i) => sum + (v - fitted[i]!) ** 2, 0);
  const ssTot = x.reduce((sum, v) => sum + (v - mean) ** 2, 0);
  const rSquared = ssTot > 0 ? 1 - ssRes / ssTot : 1;
  const nMax = kappa > 0 ? Math.sqrt((1 - sigma) / kappa) : null;
  const peakThroughput = nMax !== null ? uslThroughput(nMax, sigma, kappa, lambda) : sigma > 0 ? lambda / sigma : null;
  const limit =
    peakThroughput === null
      ? 'throughput grows linearly (sigma is 0 too)'
      : `throughput approaches ${peakThroughput.toPrecision(4)} (lambda / sigma)`;
  const sentences = [
    `USL fit over ${usable.length} points (R\u00b2 ${rSquared.toFixed(3)}): contention sigma ${sigma.toPrecision(3)}, ` +
      `coherency kappa ${kappa.toPrecision(3)}, single-user throughput lambda ${lambda.toPrecision(4)}.`,
    nMax !== null
      ? `Throughput peaks at N = ${nMax.toFixed(1)} (predicted ${peakThroughput?.toPrecision(4)}); beyond it, more load lowers throughput.`
      : `kappa is 0: no retrograde region; ${limit}.`,
  ];
  if (!n.includes(1))
    sentences.push('No point at N = 1: lambda is extrapolated; measure a single user to pin it down.');
  if (rSquared < 0.9)
    sentences.push(`R\u00b2 ${rSquared.toFixed(2)} is low: the USL does not describe these points well.`);
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    sigma,
    kappa,
    lambda,
    nMax,
    peakThroughput,
    rSquared,
    residuals: n.map((N, i) => [N, x[i]! - fitted[i]!]),
    points: usable.map((p) => ({ ...p })),
    iterations: fit.iterations,
    sentences,
  };
}

/**
 * USL points from a knee analysis' levels (a ramp's phases or a set of runs): concurrency = the level's
 * load, throughput = its replies per second. Levels without a throughput are skipped, and so are levels
 * that never settled: a level whose queue was still filling has not reached the throughput it sustains.
 *
 * @example
 * fitUsl(uslPointsFromLevels(findKneeInRamp(ramp).levels))
 */
export function uslPointsFromLevels(
  levels: readonly { load: number; throughputPerS: number | null; status?: LoadLevel['status'] }[],
): UslPoint[] {
  return levels
    .filter((l) => l.throughputPerS !== null && l.status !== 'not-steady')
    .map((l) => ({ concurrency: l.load, throughput: l.throughputPerS as number }));
}
