import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, type as osType, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';
import type { RunResult } from '../contracts/run-result.ts';
import { BOTCAP_VERSION } from '../contracts/version.ts';
import type { Environment } from '../environment/index.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { publicBotConfig } from './bot-config.ts';
import type { BotFleet } from './bots.ts';
import type { RunScenarioOptions } from './options.ts';

const REPO_ROOT = new URL('../', import.meta.url);
/** Packages whose versions change the numbers: the bot's stack and the generator's histogram. */
const VERSIONED_PACKAGES = [
  'grammy',
  '@grammyjs/runner',
  '@anthropic-ai/sdk',
  'pg',
  'prom-client',
  'cockatiel',
  'hdr-histogram-js',
];

/** The machine the run ran on (os module). */
export function machineInfo(): RunResult['environment']['machine'] {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpuCount: cpuList.length,
    memoryBytes: totalmem(),
    os: `${osType()} ${release()}`,
    node: process.version,
  };
}

/** `git rev-parse HEAD` of the checkout, or undefined outside a git work tree or without git. */
export async function gitCommit(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, timeout: 5_000 });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Installed versions of the packages that shape the numbers (missing ones are left out). */
async function packageVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  await Promise.all(
    VERSIONED_PACKAGES.map(async (name) => {
      try {
        const text = await readFile(new URL(`node_modules/${name}/package.json`, REPO_ROOT), 'utf8');
        versions[name] = (JSON.parse(text) as { version: string }).version;
      } catch {
        // Not installed: nothing to record.
      }
    }),
  );
  return versions;
}

/** The server's version string (`SHOW server_version`), or 'unknown' if it cannot be asked. */
async function postgresVersion(adminUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'botcap-admin' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  } catch {
    return 'unknown';
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What {@link describeEnvironment} reads: the run's scenario and options, and what it started. */
export interface RunEnvironmentParts {
  scenario: Scenario;
  options: RunScenarioOptions;
  env: Environment;
  fleet: BotFleet;
}

/**
 * A RunResult's environment: the machine, Postgres and the poolers as they ran, the bots (the reference
 * bot's config as it resolved it, secrets removed), and the versions that change the numbers.
 *
 * @example
 * result.environment = await describeEnvironment({ scenario, options, env, fleet });
 */
export async function describeEnvironment({
  scenario,
  options,
  env,
  fleet,
}: RunEnvironmentParts): Promise<RunResult['environment']> {
  const source = (url: string | undefined) => (url ? 'url' : options.runtime === 'docker' ? 'docker' : 'binary');
  const botEnv = fleet.firstEnv;
  const commit = await gitCommit();
  return {
    ...(commit === undefined ? {} : { gitCommit: commit }),
    machine: machineInfo(),
    postgres: {
      runtime: env.postgres.runtime,
      version: await postgresVersion(env.postgres.adminUrl),
      maxConnections: env.postgres.maxConnections,
    },
    ...(env.pgbouncer === undefined
      ? {}
      : {
          pgbouncer: {
            source: source(options.pgbouncerUrl),
            poolMode: env.pgbouncer.poolMode,
            defaultPoolSize: scenario.environment.pgbouncer?.poolSize ?? 0,
          },
        }),
    ...(env.redis === undefined ? {} : { redis: { source: source(options.redisUrl) } }),
    bot: {
      kind: fleet.kind,
      // A bot behind --webhook-url is one endpoint, driven by webhook whatever the scenario says.
      instances: fleet.kind === 'url' ? 1 : scenario.bot.instances,
      transport: fleet.kind === 'url' ? 'webhook' : scenario.bot.transport,
      ...(fleet.kind === 'reference' && botEnv !== undefined ? { config: publicBotConfig(botEnv) } : {}),
    },
    versions: { node: process.version, botcap: BOTCAP_VERSION, ...(await packageVersions()) },
  };
}
