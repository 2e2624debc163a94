/**
 * Where a process's CPU went, by stage of its work, from a V8 `.cpuprofile` (`node --cpu-prof`): each sample
 * is charged to the deepest frame on its stack that belongs to a known stage (so a socket write under pg is
 * SQL, under undici a Bot API call), module loading is left out as startup, idle time is not CPU.
 *
 * The reference bot runs from an esbuild bundle; its frames are mapped back to their source files through the
 * `// path/to/file.ts` comments esbuild writes before each module.
 *
 * @example
 * const stages = profileStages(JSON.parse(await readFile(file, 'utf8')), BOT_STAGES);
 * stages[0] // { stage: 'Bot API calls ...', share: 0.27 }
 */
import { readFileSync } from 'node:fs';

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** A stage and the source locations that belong to it: npm packages or the bot's own files, by prefix. */
export interface StageRule {
  stage: string;
  packages?: readonly string[];
  files?: readonly string[];
}

/** The reference bot's stages, in the words of docs/BENCHMARKS.md. First matching rule wins. */
export const BOT_STAGES: readonly StageRule[] = [
  {
    stage: 'SQL (pg, pg-pool; session load/save, update_id ledger, queries)',
    packages: ['pg', 'pg-pool', 'pg-protocol', 'pg-types'],
    files: ['bot/db/'],
  },
  {
    stage: 'Bot API calls (grammY client, undici)',
    packages: [
      'undici',
      'node-fetch',
      'abort-controller',
      'event-target-shim',
      '@grammyjs/auto-retry',
      'grammy/out/core/',
    ],
    files: ['bot/telegram-fetch.ts', 'bot/reply.ts'],
  },
  { stage: 'session plugin (grammY)', packages: ['grammy/out/convenience/session'] },
  {
    stage: 'metrics (prom-client)',
    packages: ['prom-client'],
    files: ['bot/observability/metrics', 'bot/middleware/track-updates'],
  },
  { stage: 'logging (pino)', packages: ['pino', 'sonic-boom', 'thread-stream'], files: ['bot/observability/logger'] },
  {
    stage: 'webhook intake (HTTP server, body, zod check)',
    packages: ['zod', 'grammy/out/convenience/webhook', 'node:_http_server'],
    files: ['bot/http/', 'bot/transport/'],
  },
  { stage: 'grammY dispatch (composer, context, filters)', packages: ['grammy/'] },
  { stage: 'handlers and middleware (bot code)', files: ['bot/', 'common/'] },
];

/** One stage's share of the busy (non-idle, non-startup) CPU time. */
export interface StageShare {
  stage: string;
  share: number;
}

const MODULE_LOADING = /node:internal\/modules\/|node:internal\/bootstrap\//;
const GC = 'garbage collection';
const RUNTIME = 'Node and V8 runtime (event loop, promises, sockets with no package on the stack)';

/** Source-file starts inside a bundle, by line (esbuild's `// file.ts` comments), read once per bundle. */
const bundleIndex = new Map<string, [number, string][]>();

function bundleFileAt(url: string, line: number): string | undefined {
  let marks = bundleIndex.get(url);
  if (marks === undefined) {
    marks = [];
    try {
      readFileSync(new URL(url), 'utf8')
        .split('\n')
        .forEach((text, index) => {
          const match = /^\/\/ ([\w./-]+\.ts)$/.exec(text);
          if (match) marks!.push([index, match[1]!]);
        });
    } catch {
      // Not a readable file URL: no bundle to map.
    }
    bundleIndex.set(url, marks);
  }
  let file: string | undefined;
  for (const [start, name] of marks) {
    if (start > line) break;
    file = name;
  }
  return file;
}

/**
 * Where a frame's code lives: `pkg/sub/path` for npm packages, a repository path for the bot's code, and Node's
 * HTTP modules by name (`node:_http_server`), which tell an incoming request's work from an outgoing one's.
 */
function locationOf(frame: CpuProfile['nodes'][number]['callFrame']): string | undefined {
  if (frame.url.startsWith('node:_http_')) return frame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+\/.*)$/.exec(frame.url)?.[1];
  if (pkg?.startsWith('.cache/')) return bundleFileAt(frame.url, frame.lineNumber);
  if (pkg !== undefined) return pkg;
  const repo = /\/((?:bot|common|cli)\/[^?]+)$/.exec(frame.url)?.[1];
  return repo;
}

function stageOf(location: string, rules: readonly StageRule[]): string | undefined {
  for (const rule of rules) {
    if (rule.packages?.some((prefix) => location.startsWith(prefix))) return rule.stage;
    if (rule.files?.some((prefix) => location.startsWith(prefix))) return rule.stage;
  }
  return undefined;
}

/**
 * Busy CPU by stage, largest first (shares add up to 1). Garbage collection and runtime work without a known
 * frame on the stack are stages of their own.
 */
export function profileStages(profile: CpuProfile, rules: readonly StageRule[]): StageShare[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const timeByNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    timeByNode.set(id, (timeByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });

  const byStage = new Map<string, number>();
  let busy = 0;
  for (const [id, time] of timeByNode) {
    const leaf = nodes.get(id)!.callFrame.functionName;
    if (leaf === '(idle)') continue;
    let stage: string | undefined;
    let startup = false;
    for (let cursor: number | undefined = id; cursor !== undefined; cursor = parentOf.get(cursor)) {
      const frame = nodes.get(cursor)!.callFrame;
      if (MODULE_LOADING.test(frame.url)) {
        startup = true;
        break;
      }
      if (stage === undefined) {
        const location = locationOf(frame);
        if (location !== undefined) stage = stageOf(location, rules);
      }
    }
    if (startup) continue;
    busy += time;
    const charged = leaf === '(garbage collector)' ? GC : (stage ?? RUNTIME);
    byStage.set(charged, (byStage.get(charged) ?? 0) + time);
  }
  return [...byStage]
    .map(([stage, time]) => ({ stage, share: busy === 0 ? 0 : time / busy }))
    .sort((a, b) => b.share - a.share);
}

/**
 * The stages as a Markdown table (pure), each also in µs per update when the process's CPU per update is known.
 *
 * @example
 * formatStages([{ stage: 'SQL', share: 0.25 }], 1000) // '| stage | share ... | SQL | 25% | 250 |'
 */
export function formatStages(stages: readonly StageShare[], cpuUsPerUpdate: number): string {
  return [
    '| stage | share of busy CPU | µs per update |',
    '| --- | ---: | ---: |',
    ...stages.map((s) => `| ${s.stage} | ${(s.share * 100).toFixed(1)}% | ${Math.round(s.share * cpuUsPerUpdate)} |`),
  ].join('\n');
}
