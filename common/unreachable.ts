/**
 * Ends a switch that handles every member of a union: when a member is added (a new executor, say), each
 * switch that forgot it fails the typecheck at this call instead of falling into a silent default.
 *
 * @example
 * switch (load.executor) {
 *   case 'constant-vus': return load.vus;
 *   // ... every other executor
 *   default: return unreachable(load);
 * }
 */
export function unreachable(value: never): never {
  throw new TypeError(`unhandled case: ${JSON.stringify(value)}`);
}
