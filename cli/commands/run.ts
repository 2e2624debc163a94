import { constants } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { SCHEDULER_STRATEGIES } from '../../bot/config/schema.ts';
import { ConfigError } from '../../common/errors.ts';
import { redactSecrets } from '../../common/redact.ts';
import { type RunResult, runResultSchema } from '../../contracts/run-result.ts';
import { TRANSPORTS, type Transport } from '../../contracts/transport.ts';
import { EnvironmentStopped } from '../../environment/index.ts';
import { type KillAt, RUN_SCENARIO_DEFAULTS, type RunScenarioOptions } from '../../orchestration/options.ts';
import { runScenario } from '../../orchestration/run.ts';
import { applyScaleCheck, RUN_SCALE_CHECK_DIR } from '../../orchestration/run-scale-check.ts';
import { unfitReference } from '../../reports/analysis/scale-check.ts';
import { distortedMessage, notJudged } from '../../reports/fidelity.ts';
import {
  applyOverrides,
  loadScenario,
  POSTGRES_FAULT_MODES,
  type PostgresFaultMode,
  parseDurationMs,
  type ScenarioOverrides,
} from '../../scenarios/index.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import { ProgressWriter } from '../progress.ts';
import {
  type ClaudeErrorWindow,
  type FlagWindow,
  type NetworkFaultWindow,
  parseClaudeErrors,
  parseNetworkFault,
  parseWindow,
  repeatable,
  withFaultFlags,
} from './fault-flags.ts';
import { GATE_EXIT_FAILED, GATE_EXIT_NOT_JUDGED, thresholdsFromFlags } from './gate.ts';
import { writeReports } from './report.ts';
import { formatRunSummary } from './run-summary.ts';

/**
/**
 * Exit codes of `botcap run` (README.md, "Exit codes"): 1 for any error - bad input, a component that would not
 * start or serve, a bot instance that exited on its own -, k6's 99 for a failed threshold, 3 when the run's
 * fidelity verdict is distorted so its thresholds were not judged (GATE_EXIT_NOT_JUDGED), 130 only when stopped
 * by a signal (Ctrl-C).
 */
export const RUN_EXIT = {
  ok: 0,
  error: 1,
  notJudged: GATE_EXIT_NOT_JUDGED,
  thresholdFailed: GATE_EXIT_FAILED,
  interrupted: 130,
} as const;

/**
 * The exit code a finished run ends with: interrupted, then an error of its parts (a crashed bot), then its
 * thresholds.
 *
 * @example
 * runExitCode({ ...result, error: 'bot-1 exited on its own at 12 s simulated (code 1, signal null)' }) // 1
 */
export function runExitCode(result: Pick<RunResult, 'status' | 'error' | 'thresholds' | 'fidelity'>): number {
  if (result.status === 'aborted') return RUN_EXIT.interrupted;
  if (result.status === 'failed' || result.error !== undefined) return RUN_EXIT.error;
  // A distorted run's figures are the lab's as much as the bot's: not judged, unless --allow-distorted.
  if (notJudged(result.fidelity) && result.thresholds.length > 0) return RUN_EXIT.notJudged;
  return result.thresholds.every((t) => t.passed) ? RUN_EXIT.ok : RUN_EXIT.thresholdFailed;
}

export const RUN_DEFAULTS = {
  outRoot: 'botcap-out',
  repeat: 1,
  /** `--users` above this would not fit the population's maps (V8's Map holds ~16.7 M entries) nor a machine. */
  maxUsers: 1_000_000,
} as const;

interface RunCliOptions {
  users?: number;
  duration?: string;
  timeScale?: number | 'auto';
  allowDistorted?: boolean;
  /** Run it again at 1x when it played above 1x, and refine the fidelity verdict by what moved. */
  scaleCheck?: boolean;
  transport?: Transport;
  instances?: number;
  poolMax?: number;
  scheduler?: (typeof SCHEDULER_STRATEGIES)[number];
  seed?: number;
  start?: string;
  rate?: number;
  maxConnections?: number;
  pgbouncerPoolSize?: number;
  runtime?: 'embedded' | 'docker';
  databaseUrl?: string;
  pgbouncerUrl?: string;
  redisUrl?: string;
  botCmd?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  telegramPort?: number;
  claudePort?: number;
  killInstanceAt?: KillAt;
  postgresFaultAt?: KillAt[];
  postgresFault?: PostgresFaultMode;
  postgresDown?: number;
  claudeErrors?: ClaudeErrorWindow[];
  mcpOutage?: FlagWindow[];
  networkFault?: NetworkFaultWindow[];
  threshold: string[];
  out?: string;
  variant?: string;
  json?: boolean;
  repeat?: number;
}

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER, why = '') =>
  (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number >= ${min}, got '${value}'`);
    if (n > max) throw new InvalidArgumentError(`at most ${max.toLocaleString('en-US')}${why}, got '${value}'`);
    return n;
  };
const port = integer(1, 65_535, ' (a TCP port)');

/**
 * `mkdir -p`, one level at a time: Node's `mkdir(..., { recursive: true })` spins forever where the kernel
 * answers ENOENT for a dir whose parent exists (under /proc), and this check must fail, not hang.
 */
async function makeDirs(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
    await makeDirs(dirname(dir));
    await mkdir(dir).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== 'EEXIST') throw again;
    });
  }
}

/**
 * Is `dir` (created if missing) writable? Checked before anything starts, so a typo in `--out` costs no
 * PostgreSQL start and no stack trace.
 */
export async function checkWritableDir(flag: string, dir: string): Promise<void> {
  try {
    await makeDirs(resolve(dir));
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(`${flag} ${dir} is not a writable directory (${code}); choose another with ${flag} <dir>`);
  }
}
/**
 * A URL flag (`--database-url`, `--redis-url`, ...) must parse and have one of `schemes`: checked before anything
 * starts, in the action rather than as commander's parser, whose message repeats the value, password included.
 *
 * @example
 * checkUrlFlag('--redis-url', 'redis://127.0.0.1:6379', ['redis', 'rediss']) // fine
 * checkUrlFlag('--database-url', 'not-a-url', ['postgres']) // ConfigError: --database-url is not a URL: ...
 */
export function checkUrlFlag(flag: string, value: string | undefined, schemes: readonly string[]): void {
  if (value === undefined) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      `${flag} is not a URL: '${redactSecrets(value)}'; expected e.g. ${schemes[0]}://user:password@127.0.0.1:port/...`,
    );
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!schemes.includes(scheme)) {
    throw new ConfigError(`${flag} must be a ${schemes.map((s) => `${s}://`).join(' or ')} URL, got '${scheme}://...'`);
  }
}

/** Every URL flag of `botcap run`, checked before anything starts. */
function checkUrlFlags(options: RunCliOptions): void {
  checkUrlFlag('--database-url', options.databaseUrl, POSTGRES_SCHEMES);
  checkUrlFlag('--pgbouncer-url', options.pgbouncerUrl, POSTGRES_SCHEMES);
  checkUrlFlag('--redis-url', options.redisUrl, ['redis', 'rediss']);
  checkUrlFlag('--webhook-url', options.webhookUrl, ['http', 'https']);
}
const POSTGRES_SCHEMES = ['postgres', 'postgresql'] as const;

/** `--time-scale`: a positive number, or `auto` (calibrate, then the largest faithful scale). */
export const timeScaleFlag = (value: string): number | 'auto' => {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n) || n > 10_000)
    throw new InvalidArgumentError(
      `expected 'auto' or a number in (0, 10000] (simulated seconds per real second), got '${value}'`,
    );
  return n;
};
const positive = (value: string) => {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  return n;
};

/**
 * `--kill-instance-at`: a simulated time since the load started (`90s`, `2m`) or a fraction of the run (`0.5`).
 *
 * @example
 * parseKillAt('0.5') // { fraction: 0.5 }
 * parseKillAt('90s') // { atMs: 90_000 }
 */
export function parseKillAt(value: string): KillAt {
  const fraction = Number(value);
  if (value.trim() !== '' && Number.isFinite(fraction)) {
    if (fraction < 0 || fraction > 1) throw new InvalidArgumentError(`a fraction is 0..1, got '${value}'`);
    return { fraction };
  }
  const atMs = parseDurationMs(value);
  if (atMs === undefined)
    throw new InvalidArgumentError(`expected a duration like '90s' or a fraction like 0.5, got '${value}'`);
  return { atMs };
}

/** `--postgres-fault` and `--postgres-down` qualify `--postgres-fault-at`: alone they would do nothing. */
function checkPostgresFaultFlags(options: RunCliOptions): void {
  const at = (options.postgresFaultAt ?? []).length > 0;
  if (options.postgresFault !== undefined && !at)
    throw new ConfigError('--postgres-fault says what --postgres-fault-at does: give --postgres-fault-at too');
  if ((options.networkFault ?? []).length > 0 && options.webhookUrl !== undefined)
    throw new ConfigError(
      '--network-fault: a bot behind --webhook-url has its own database URL, so botcap cannot put the fault on its path',
    );
  if (options.postgresDown !== undefined && options.postgresFault !== 'restart')
    throw new ConfigError('--postgres-down is the down time of a restart: give --postgres-fault restart too');
}

/** `--postgres-down`: a simulated duration. */
function parseDownMs(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) throw new InvalidArgumentError(`expected a duration like '10s', got '${value}'`);
  return ms;
}

/** `botcap-out/<scenario>-YYYYMMDD-HHMMSS` (UTC). */
export function defaultOutDir(scenarioName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join(RUN_DEFAULTS.outRoot, `${scenarioName}-${stamp}`);
}

function overridesFrom(options: RunCliOptions): ScenarioOverrides {
  const o: ScenarioOverrides = {};
  if (options.users !== undefined) o.users = options.users;
  if (options.duration !== undefined) o.duration = options.duration;
  if (options.timeScale !== undefined) o.timeScale = options.timeScale;
  if (options.transport !== undefined) o.transport = options.transport;
  if (options.instances !== undefined) o.instances = options.instances;
  if (options.poolMax !== undefined) o.poolMax = options.poolMax;
  if (options.scheduler !== undefined) o.scheduler = options.scheduler;
  if (options.seed !== undefined) o.seed = options.seed;
  if (options.start !== undefined) o.start = options.start;
  if (options.rate !== undefined) o.rate = options.rate;
  if (options.maxConnections !== undefined) o.maxConnections = options.maxConnections;
  if (options.pgbouncerPoolSize !== undefined) o.pgbouncerPoolSize = options.pgbouncerPoolSize;
  return o;
}

function runOptionsFrom(options: RunCliOptions): RunScenarioOptions {
  const keep = <K extends keyof RunScenarioOptions>(key: K, value: RunScenarioOptions[K] | undefined) =>
    value === undefined ? {} : { [key]: value };
  return {
    ...keep('runtime', options.runtime),
    ...keep('databaseUrl', options.databaseUrl),
    ...keep('pgbouncerUrl', options.pgbouncerUrl),
    ...keep('redisUrl', options.redisUrl),
    ...keep('botCommand', options.botCmd),
    ...keep('webhookUrl', options.webhookUrl),
    ...keep('webhookSecret', options.webhookSecret),
    ...keep('telegramPort', options.telegramPort),
    ...keep('claudePort', options.claudePort),
    ...keep('killInstanceAt', options.killInstanceAt),
    ...keep('postgresFaultAt', options.postgresFaultAt),
    ...(options.postgresFault === undefined && options.postgresDown === undefined
      ? {}
      : {
          postgresFault: {
            mode: options.postgresFault ?? RUN_SCENARIO_DEFAULTS.postgresFault.mode,
            downMs: options.postgresDown ?? RUN_SCENARIO_DEFAULTS.postgresFault.downMs,
          },
        }),
    ...keep('variant', options.variant),
    ...keep('allowDistorted', options.allowDistorted),
    ...(typeof options.timeScale === 'number' ? { timeScaleSource: 'flag' as const } : {}),
    ...(options.threshold.length > 0 ? { thresholds: thresholdsFromFlags(options.threshold) } : {}),
  };
}

/**
 * Writes result.json (validated against the schema first), then every report. A report that fails to render
 * is reported and skipped: the measurements are already safe in result.json (`botcap report` redoes it).
 */
async function writeOutputs(result: RunResult, outDir: string): Promise<{ paths: string[]; reportError?: string }> {
  const valid = runResultSchema.parse(result);
  await mkdir(outDir, { recursive: true });
  const resultPath = join(outDir, 'result.json');
  await writeFile(resultPath, `${JSON.stringify(valid)}\n`, 'utf8');
  try {
    return { paths: [resultPath, ...(await writeReports([valid], outDir))] };
  } catch (error) {
    return { paths: [resultPath], reportError: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Adds `botcap run <scenario>`: the product's main job in one command.
 *
 * @example
 * registerRun(program); // botcap run smoke --transport webhook --instances 2 --out out/smoke
 */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a scenario: Postgres, the fakes and N bot instances, a user population, a RunResult and reports')
    .argument('<scenario>', 'a built-in scenario name (botcap scenarios) or a path to a .ts/.json scenario file')
    .option(
      '--users <n>',
      'closed models: peak concurrent users; open models: the population',
      integer(1, RUN_DEFAULTS.maxUsers, ' users in one run'),
    )
    .option('--duration <duration>', "simulated length, e.g. '2m' (ramps scale proportionally)")
    .option(
      '--time-scale <x|auto>',
      "simulated seconds per real second, or 'auto': a short calibration picks the largest scale whose lab delay stays within the fidelity bound (every real ms of the lab reads as x simulated ms)",
      timeScaleFlag,
    )
    .option('--allow-distorted', 'judge thresholds even when the fidelity verdict is distorted (the report says so)')
    .option(
      '--scale-check',
      `when the run plays above 1x, run it again at 1x (same seed, into <out>/${RUN_SCALE_CHECK_DIR}/): a figure that moved makes it distorted`,
    )
    .addOption(new Option('--transport <transport>', 'how the bot gets updates').choices(TRANSPORTS))
    .option('--instances <n>', 'bot instances', integer(1))
    .option('--pool-max <n>', "the bot's pg pool size per instance", integer(1))
    .option('--scheduler <strategy>', `the bot's digest scheduler strategy (${SCHEDULER_STRATEGIES.join(', ')})`)
    .option('--seed <n>', 'seed of the population, mix and arrivals', integer(0))
    .option('--start <HH:MM>', 'simulated start time (UTC)')
    .option('--rate <n>', 'open models: arrivals per timeUnit (ramps scale to this peak)', positive)
    .option('--max-connections <n>', 'PostgreSQL max_connections of a server botcap starts', integer(5))
    .option('--pgbouncer-pool-size <n>', 'put PgBouncer (transaction mode) in front with this pool size', integer(1))
    .addOption(
      new Option('--runtime <runtime>', 'where PostgreSQL runs (default: embedded)').choices(['embedded', 'docker']),
    )
    .option('--database-url <url>', 'use an existing PostgreSQL: the run creates and drops its own database there')
    .option('--pgbouncer-url <url>', 'use an existing PgBouncer')
    .option('--redis-url <url>', 'use an existing Redis (redis-lock scheduler)')
    .option('--bot-cmd <command>', 'run your own bot (any language) with the bot contract env (environment/README.md)')
    .option('--webhook-url <url>', 'drive a bot that is already running: the fake Telegram posts updates to this URL')
    .option('--webhook-secret <secret>', 'with --webhook-url: the X-Telegram-Bot-Api-Secret-Token to send')
    .option('--telegram-port <port>', 'fixed port of the fake Telegram (default: a free one)', port)
    .option('--claude-port <port>', 'fixed port of the fake Claude (default: a free one)', port)
    .option(
      '--kill-instance-at <when>',
      "SIGKILL one bot instance at a simulated time ('90s') or fraction of the run (0.5)",
      parseKillAt,
    )
    .option(
      '--postgres-fault-at <when>',
      "fault the database at a simulated time ('90s') or fraction (0.5), as --postgres-fault says; repeatable",
      repeatable(parseKillAt),
    )
    .addOption(
      new Option(
        '--postgres-fault <mode>',
        "what --postgres-fault-at does: terminate the run database's sessions (default), or restart the server " +
          '(embedded, docker; an external one gets its sessions terminated, and the record says so)',
      ).choices(POSTGRES_FAULT_MODES),
    )
    .option(
      '--postgres-down <duration>',
      "with --postgres-fault restart: how long the server stays down, simulated ('10s'; default 0)",
      parseDownMs,
    )
    .option(
      '--claude-errors <window>',
      "fake Claude fails calls in a window: FROM-TO:KIND[@RATE], e.g. '20s-40s:529' or '1m-2m:429@0.3'; repeatable",
      repeatable(parseClaudeErrors),
    )
    .option(
      '--mcp-outage <window>',
      "the fake MCP server answers 503 in a window: FROM-TO[@RATE], e.g. '20s-40s'; repeatable",
      repeatable((value: string) => parseWindow('--mcp-outage', value)),
    )
    .option(
      '--network-fault <window>',
      'between the bots and PostgreSQL (a TCP proxy on loopback): FROM-TO:partition or FROM-TO:delay=DURATION, ' +
        "e.g. '20s-40s:delay=200ms'; repeatable",
      repeatable(parseNetworkFault),
    )
    .option(
      '-t, --threshold <metric:expression>',
      "an extra threshold, repeatable, e.g. 'reply_latency:p(95)<3000' (added to the scenario's)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('-o, --out <dir>', `output directory (default: ${RUN_DEFAULTS.outRoot}/<scenario>-<timestamp>)`)
    .option('--variant <label>', "a label for comparisons, e.g. 'webhook x3'")
    .option('--json', 'print the RunResult JSON on stdout (the summary goes to stderr)')
    .option(
      '--repeat <n>',
      'run it N times with seeds seed, seed+1, ... into <out>/run-<i>/ (repetitions for botcap gate --baseline)',
      integer(1),
    )
    .action(async function runAction(name: string, options: RunCliOptions): Promise<void> {
      checkUrlFlags(options);
      checkPostgresFaultFlags(options);
      if ((options.repeat ?? RUN_DEFAULTS.repeat) > 1) {
        await repeatRun(name, options, runAction);
        return;
      }
      const scenario = withFaultFlags(applyOverrides(await loadScenario(name), overridesFrom(options)), options);
      const outDir = options.out ?? defaultOutDir(scenario.name);
      await checkWritableDir('--out', outDir);
      const progress = new ProgressWriter(process.stderr);
      let result: RunResult;
      let checkInterrupted = false;
      try {
        result = await runScenario(scenario, {
          ...runOptionsFrom(options),
          logDir: join(outDir, 'logs'),
          onStage: (stage) => progress.stage(stage),
          onProgress: (event) => progress.update(event),
        });
        if (options.scaleCheck === true && result.status === 'completed' && result.timeScale > 1)
          ({ result, interrupted: checkInterrupted } = await checkAtOneX(scenario, result, outDir, options, progress));
      } catch (error) {
        if (!(error instanceof EnvironmentStopped)) throw error;
        // Stopped before the load began: nothing was measured, and everything started is already gone.
        progress.line(`botcap run: ${error.message}`);
        process.exitCode = RUN_EXIT.interrupted;
        return;
      } finally {
        progress.done();
      }
      const { paths, reportError } = await writeOutputs(result, outDir);
      if (reportError !== undefined) {
        process.stderr.write(
          `botcap run: the reports could not be written (${reportError}); result.json is complete\n`,
        );
      }
      const summary = formatRunSummary(result, outDir);
      if (options.json) {
        process.stderr.write(summary);
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } else {
        process.stdout.write(summary);
        process.stderr.write(`wrote ${paths.map((p) => redactSecrets(p)).join(', ')}\n`);
      }
      if (
        notJudged(result.fidelity) &&
        result.thresholds.length > 0 &&
        result.status === 'completed' &&
        result.error === undefined
      )
        process.stderr.write(`botcap run: ${distortedMessage(result.fidelity)}\n`);
      process.exitCode = checkInterrupted ? RUN_EXIT.interrupted : runExitCode(result);
    });
}

/**
 * `--scale-check`: the same scenario and seed again at 1x into `<out>/at-1x/` (its own result and reports), and
 * the first run's fidelity verdict refined by it (orchestration/run-scale-check.ts). Stopped or not completed
 * at 1x, the first run keeps its verdict and the console says why.
 */
async function checkAtOneX(
  scenario: Scenario,
  result: RunResult,
  outDir: string,
  options: RunCliOptions,
  progress: ProgressWriter,
): Promise<{ result: RunResult; interrupted: boolean }> {
  const dir = join(outDir, RUN_SCALE_CHECK_DIR);
  progress.line(
    `botcap run: scale check: the run played at ${result.timeScale}x; running it again at 1x (seed ${result.seed}) into ${dir}`,
  );
  let at1x: RunResult;
  try {
    at1x = await runScenario(
      { ...scenario, timeScale: 1 },
      {
        ...runOptionsFrom(options),
        timeScaleSource: 'scale-check',
        logDir: join(dir, 'logs'),
        onStage: (stage) => progress.stage(stage),
        onProgress: (event) => progress.update(event),
      },
    );
  } catch (error) {
    if (!(error instanceof EnvironmentStopped)) throw error;
    progress.line(`botcap run: scale check stopped before its load began (${error.message}); nothing compared`);
    return { result, interrupted: true };
  }
  await writeOutputs(at1x, dir);
  const unfit = unfitReference(at1x);
  if (unfit !== undefined) {
    progress.line(`botcap run: scale check: ${unfit}; nothing compared, the verdict stands`);
    return { result, interrupted: at1x.status === 'aborted' };
  }
  return {
    result: applyScaleCheck(result, at1x, RUN_SCALE_CHECK_DIR, options.allowDistorted === true),
    interrupted: false,
  };
}

/**
 * `--repeat N`: the run N times, one after another (overlapping runs would be each other's noise), seeds
 * seed..seed+N-1, into <out>/run-1 ... run-N. The worst exit code wins: interrupted, then a failed threshold.
 */
async function repeatRun(
  name: string,
  options: RunCliOptions,
  runOnce: (name: string, options: RunCliOptions) => Promise<void>,
): Promise<void> {
  const scenario = applyOverrides(await loadScenario(name), overridesFrom(options));
  const outDir = options.out ?? defaultOutDir(scenario.name);
  const repeat = options.repeat ?? RUN_DEFAULTS.repeat;
  const codes: number[] = [];
  for (let i = 0; i < repeat && !codes.includes(RUN_EXIT.interrupted); i++) {
    const seed = scenario.seed + i;
    process.stderr.write(`botcap run: repetition ${i + 1} of ${repeat} (seed ${seed})\n`);
    process.exitCode = undefined;
    await runOnce(name, { ...options, repeat: 1, seed, out: join(outDir, `run-${i + 1}`) });
    codes.push(Number(process.exitCode ?? RUN_EXIT.ok));
  }
  process.exitCode =
    [RUN_EXIT.interrupted, RUN_EXIT.thresholdFailed, RUN_EXIT.notJudged].find((c) => codes.includes(c)) ?? RUN_EXIT.ok;
}
