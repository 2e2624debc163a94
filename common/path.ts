/**
 * The value at `path` inside a JSON-like value: a list of keys (array indexes included), or one string
 * with dots between the keys; undefined as soon as a step is missing or not an object. One walker for
 * config knobs (`database.poolMax`), zod issue paths and a RunResult's free-form scenario and config.
 *
 * @example
 * valueAt({ load: { stages: [{ duration: 5 }] } }, ['load', 'stages', 0, 'duration']) // 5
 * valueAt(config, 'database.poolMax') // 10
 */
export function valueAt(root: unknown, path: string | readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of typeof path === 'string' ? path.split('.') : path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
