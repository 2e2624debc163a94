/**
 * A parser for the Prometheus text exposition format (version 0.0.4, what prom-client and every
 * Prometheus client library serve on `/metrics`). Small on purpose: no npm package parses it without
 * pulling in a server stack, and the format is a few lines of grammar.
 */

export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

/** One sample line. `labels` is a plain map because label sets differ per metric. */
export interface PromSample {
  /** Full sample name, e.g. `http_request_duration_seconds_bucket`. */
  name: string;
  /** Name of the family it belongs to (`http_request_duration_seconds` for its `_bucket`/`_sum`/`_count`). */
  family: string;
  type: PromType;
  labels: Readonly<Record<string, string>>;
  /** May be NaN, +Infinity or -Infinity. */
  value: number;
  /** The optional timestamp on the line, epoch ms. */
  timestampMs?: number;
}

const SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/** A line that is not valid exposition text: the 1-based line number and why. */
export class PrometheusParseError extends Error {
  override name = 'PrometheusParseError';
}

/**
 * Parses exposition text into samples; `# HELP` is skipped, `# TYPE` gives each sample its family's type.
 *
 * @example
 * parsePrometheusText('# TYPE up gauge\nup{job="bot"} 1\n')
 * // [{ name: 'up', family: 'up', type: 'gauge', labels: { job: 'bot' }, value: 1 }]
 */
export function parsePrometheusText(text: string): PromSample[] {
  const types = new Map<string, PromType>();
  const samples: PromSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const match = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (match) types.set(match[1]!, normaliseType(match[2]!));
      continue;
    }
    try {
      samples.push(resolveFamily(parseSampleLine(line), types));
    } catch (error) {
      throw new PrometheusParseError(`line ${i + 1}: ${(error as Error).message}: ${line.slice(0, 120)}`);
    }
  }
  return samples;
}

function normaliseType(type: string): PromType {
  return type === 'counter' || type === 'gauge' || type === 'histogram' || type === 'summary' ? type : 'untyped';
}

function resolveFamily(sample: Omit<PromSample, 'family' | 'type'>, types: Map<string, PromType>): PromSample {
  const own = types.get(sample.name);
  if (own) return { ...sample, family: sample.name, type: own };
  for (const [type, suffixes] of Object.entries(SUFFIXES)) {
    for (const suffix of suffixes) {
      if (!sample.name.endsWith(suffix)) continue;
      const family = sample.name.slice(0, -suffix.length);
      if (types.get(family) === type) return { ...sample, family, type };
    }
  }
  return { ...sample, family: sample.name, type: 'untyped' };
}

function parseSampleLine(line: string): Omit<PromSample, 'family' | 'type'> {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error('expected a metric name');
  const name = nameMatch[0];
  let pos = name.length;
  while (line[pos] === ' ' || line[pos] === '\t') pos++;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos = parseLabels(line, pos + 1, labels);
  }
  // OpenMetrics exemplars (`value # {trace_id="x"} 1`) follow a '#'; they are not part of the sample.
  const rest = line.slice(pos).split('#')[0]!.trim().split(/\s+/);
  if (rest.length < 1 || rest[0] === '') throw new Error('expected a value');
  const value = parseValue(rest[0]!);
  const sample: Omit<PromSample, 'family' | 'type'> = { name, labels, value };
  if (rest[1] !== undefined) {
    const timestampMs = Number(rest[1]);
    if (!Number.isFinite(timestampMs)) throw new Error(`bad timestamp ${rest[1]}`);
    sample.timestampMs = timestampMs;
  }
  return sample;
}

/** Parses `a="x",b="y"}` starting after '{'; returns the index after '}'. */
function parseLabels(line: string, start: number, into: Record<string, string>): number {
  let pos = start;
  for (;;) {
    while (line[pos] === ' ' || line[pos] === '\t' || line[pos] === ',') pos++;
    if (line[pos] === '}') return pos + 1;
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(pos));
    if (!nameMatch) throw new Error(`expected a label name at column ${pos + 1}`);
    pos += nameMatch[0].length;
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
    if (line[pos] !== '=') throw new Error(`expected = at column ${pos + 1}`);
    pos++;
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
    if (line[pos] !== '"') throw new Error(`expected a quoted label value at column ${pos + 1}`);
    pos++;
    let value = '';
    for (;;) {
      const ch = line[pos];
      if (ch === undefined) throw new Error('unterminated label value');
      if (ch === '"') break;
      if (ch === '\\') {
        const next = line[pos + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        pos += 2;
        continue;
      }
      value += ch;
      pos++;
    }
    into[nameMatch[0]] = value;
    pos++;
  }
}

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    case 'NaN':
      return Number.NaN;
  }
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`bad value ${text}`);
  return value;
}

/**
 * Sum of the samples named `name` whose labels include `where` (e.g. a counter over all its label sets);
 * undefined when the metric is absent, so "not exported" and "zero" stay apart.
 *
 * @example
 * sumOf(samples, 'bot_db_connection_errors_total', { sqlstate: '53300' }) // 2
 */
export function sumOf(
  samples: readonly PromSample[],
  name: string,
  where: Readonly<Record<string, string>> = {},
): number | undefined {
  let total: number | undefined;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (!Object.entries(where).every(([key, value]) => sample.labels[key] === value)) continue;
    total = (total ?? 0) + sample.value;
  }
  return total;
}
