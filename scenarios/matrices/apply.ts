import type { Scenario } from '../schema.ts';
import { parseScenario } from '../validate.ts';
import type { MatrixDefinition, MatrixSize, MatrixVariant, ScenarioPatch } from './types.ts';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep merge for plain JSON: objects merge, arrays and scalars replace. */
function merge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    out[key] = key in base ? merge(base[key], value) : structuredClone(value);
  }
  return out;
}

/**
 * The scenario one variant runs: the matrix's base at `size` with the variant's patch merged in,
 * validated by the scenario schema (so a bad knob names itself), named `<matrix>` for reports.
 *
 * @example
 * variantScenario(pooling, pooling.variants[0]!, 'quick').bot.instances // 5
 */
export function variantScenario(matrix: MatrixDefinition, variant: MatrixVariant, size: MatrixSize): Scenario {
  const base = matrix.base(size);
  const patch: ScenarioPatch = typeof variant.patch === 'function' ? variant.patch(size) : variant.patch;
  const merged = merge(base, patch);
  return parseScenario(merged, `matrix ${matrix.name}, variant '${variant.label}' (${size})`);
}

/**
 * The variants a size runs: all of them, or those marked `quick`.
 *
 * @example
 * variantsFor(scheduler, 'quick').map((v) => v.label) // ['none x3', 'queue-worker x3']
 */
export function variantsFor(matrix: MatrixDefinition, size: MatrixSize): MatrixVariant[] {
  return matrix.variants.filter((v) => size === 'default' || v.quick);
}

/**
 * A variant label as a folder name: lower case, runs of anything but a-z0-9 as one dash.
 *
 * @example
 * variantSlug('5 x 50 direct') // '5-x-50-direct'
 */
export function variantSlug(label: string): string {
  return (
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'variant'
  );
}
