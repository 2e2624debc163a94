/**
 * A `tool_use` block's `input`: generated from the tool's `input_schema` so it validates against it (types,
 * `required`, `enum`, `const`, min/max, lengths, `pattern`, formats, nested objects and arrays, `$ref`), seeded, so
 * the same request gets the same input. json-schema-faker does the generating: a maintained generator for JSON
 * Schema 2019-09/2020-12 with a seeded PRNG and no dependencies, rather than a home-made one.
 */
import { generateSync, type JsonSchema } from 'json-schema-faker';

/**
 * An input object for a tool, or `{}` when the schema allows nothing the generator can produce.
 *
 * @example
 * toolInput({ type: 'object', properties: { query: { type: 'string' } }, required: ['query'] }, 7) // { query: 'aG8r' }
 */
export function toolInput(schema: Record<string, unknown>, seed: number): Record<string, unknown> {
  const { $schema: _declared, ...rest } = schema;
  let value: unknown;
  try {
    // Optional properties appear about half the time, as a model fills them; arrays stay short.
    value = generateSync(rest as JsonSchema, {
      seed: seed >>> 0 || 1,
      optionalsProbability: 0.5,
      maxDefaultItems: 3,
      failOnInvalidTypes: false,
    });
  } catch {
    value = {};
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
