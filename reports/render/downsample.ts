/** A `[x, y]` chart point. */
export type XY = [number, number];

/**
 * Reduces a series to at most `maxPoints` by splitting it into `maxPoints / 2` buckets of equal point
 * count and keeping each bucket's minimum and maximum, in time order. Unlike a mean, min/max keeps
 * every spike and every dip a reader would look for, and a one-hour run at 1 s samples (3,600 points)
 * becomes 500 points per series, which keeps the HTML report small.
 *
 * @example
 * minMaxDownsample(points3600, 500).length // <= 500
 */
export function minMaxDownsample(points: readonly XY[], maxPoints: number): XY[] {
  const budget = Math.max(2, Math.floor(maxPoints));
  if (points.length <= budget) return points.map(([x, y]) => [x, y]);
  const buckets = Math.floor(budget / 2);
  const perBucket = points.length / buckets;
  const out: XY[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * perBucket);
    const to = Math.min(points.length, Math.floor((b + 1) * perBucket));
    let min = points[from]!;
    let max = points[from]!;
    for (let i = from + 1; i < to; i++) {
      const point = points[i]!;
      if (point[1] < min[1]) min = point;
      if (point[1] > max[1]) max = point;
    }
    if (min === max) out.push([min[0], min[1]]);
    else if (min[0] <= max[0]) out.push([min[0], min[1]], [max[0], max[1]]);
    else out.push([max[0], max[1]], [min[0], min[1]]);
  }
  return out;
}

/**
 * Rounds to `digits` significant digits, so embedded chart data does not carry 17-digit floats.
 *
 * @example
 * roundSignificant(1234.5678, 4) // 1235
 */
export function roundSignificant(value: number, digits = 4): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number.parseFloat(value.toPrecision(digits));
}
