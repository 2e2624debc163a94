import { request } from 'node:http';
import fc from 'fast-check';

/**
 * Shared pieces of the fuzz suites (`*.fuzz.test.ts`: the bot's webhook, fake Telegram, fake Claude and its control
 * API, the CLI's flag parsing). Properties: nothing crashes, a client's mistake is never answered 5xx, memory stays
 * bounded.
 *
 * How many inputs per entry point: `BOTCAP_FUZZ_RUNS` (default {@link FUZZ_DEFAULT_RUNS}, sized for CI: every
 * suite together stays well under 30 s on 2 cores). The nightly size is 10,000 or more:
 *
 *   BOTCAP_FUZZ_RUNS=10000 npx vitest run bot/transport/webhook.fuzz.test.ts fakes cli/flags.fuzz.test.ts
 *
 * A failure prints fast-check's seed and path; `BOTCAP_FUZZ_SEED=<seed>` replays it.
 */
export const FUZZ_DEFAULT_RUNS = 200;

/** The fast-check parameters of every fuzz property: runs and (when given) the seed to replay. */
export function fuzzParameters(env: NodeJS.ProcessEnv = process.env): { numRuns: number; seed?: number } {
  const runs = env.BOTCAP_FUZZ_RUNS === undefined ? FUZZ_DEFAULT_RUNS : Number(env.BOTCAP_FUZZ_RUNS);
  if (!Number.isSafeInteger(runs) || runs < 1) {
    throw new Error(`BOTCAP_FUZZ_RUNS must be a positive integer (e.g. 10000), got ${env.BOTCAP_FUZZ_RUNS}`);
  }
  const seed = env.BOTCAP_FUZZ_SEED === undefined ? undefined : Number(env.BOTCAP_FUZZ_SEED);
  return seed === undefined || !Number.isSafeInteger(seed) ? { numRuns: runs } : { numRuns: runs, seed };
}

/** JSON nested `depth` deep, as arrays or objects: what overflows a recursive parser or validator. */
const deeplyNested = fc
  .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/**
 * Request bodies a careless or hostile client sends: any JSON value (incl. `null`, arrays, numbers), objects shaped
 * like the real thing with wrong types (`shaped`), text that is not JSON, bytes that are not UTF-8, deep nesting.
 */
export function bodies(shaped: fc.Arbitrary<unknown> = fc.constant({})): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
    shaped.map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
    fc.string({ maxLength: 300 }).map((text) => Buffer.from(text)),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    deeplyNested.map((text) => Buffer.from(text)),
    fc
      .constantFrom('', 'null', '[]', '{', '{"a":}', '\uFEFF{}', '{"__proto__":{"x":1}}')
      .map((text) => Buffer.from(text)),
  );
}

/** Content types, right, wrong and absent. */
export const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'multipart/form-data',
  'application/octet-stream',
  undefined,
);

/** Any value where a field is expected: wrong types, huge numbers, nested junk. */
export const anyField = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1, 0, 1e308, '', ' ', '1'),
);

/** POSTs `body` with `headers` over node:http (Content-Length set) and resolves with the status code. */
export function post(url: string, body: Buffer, headers: Record<string, string | undefined> = {}): Promise<number> {
  const sent: Record<string, string | number> = { 'content-length': body.length };
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) sent[name] = value;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: sent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Heap in use after the run minus before, in MB (a rough bound: V8 may keep garbage it has not collected yet). */
export async function heapGrowthMb<T>(run: () => Promise<T>): Promise<number> {
  const before = process.memoryUsage().heapUsed;
  await run();
  return (process.memoryUsage().heapUsed - before) / 1e6;
}
