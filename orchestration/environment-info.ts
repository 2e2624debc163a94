import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, type as osType, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';
import type { RunResult } from '../contracts/run-result.ts';

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
export async function packageVersions(): Promise<Record<string, string>> {
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
export async function postgresVersion(adminUrl: string): Promise<string> {
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
