/**
 * Fidelity benchmark (issue "Fidelity first"): for each built-in scenario at its defaults (`--time-scale auto`),
 * the scale the calibration picked, the lab delay the run then measured against its bound, and the wall time;
 * and for the reference bot at 100, 500 and 1,000 concurrent users of the production mix, the largest time
 * scale the calibration finds faithful, checked by a short run at that scale. The figure of merit is faithful
 * simulated user-seconds per real second (users x scale, counted only when the check run says ok).
 *
 * The users part runs twice per size, alternating: with this checkout's reference bot, and with the reference
 * bot of an earlier commit (`--before`, default the one issue "Fewer real milliseconds per simulated update"
 * measured its figures on), checked out in a temporary git worktree and started by this checkout's lab with the
 * same knobs, database and seed. So "before and after" compares the bot alone; the lab is today's in both.
 *
 * Writes its section of docs/BENCHMARKS.md. Nothing here is asserted in tests.
 *
 *   npx tsx bench/fidelity.ts                  # three scenarios; 100 / 500 / 1,000 / 2,000 users, both bots (~50 min)
 *   npx tsx bench/fidelity.ts --quick          # smoke, and 100 users only
 *   npx tsx bench/fidelity.ts --before none    # without the earlier bot
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../contracts/run-result.ts';
import { runScenario } from '../orchestration/run.ts';
import { resolveTimeScale, type TimeScaleDecision } from '../orchestration/time-scale.ts';
import { applyOverrides, loadScenario } from '../scenarios/index.ts';
import { benchCommandLine } from './args.ts';
import {
  commandLine,
  formatMachine,
  loadAverage,
  machineDetails,
  REPO_ROOT,
  writeBenchmarkSection,
} from './report-file.ts';

export const FIDELITY_BENCH_DEFAULTS = {
  scenarios: ['smoke', '500-concurrent', 'peak-10am'] as const,
  users: [100, 500, 1000, 2000] as const,
  /** Simulated length of the check run at the picked scale (the 500-concurrent shape, held flat). */
  checkDuration: '2m',
  /** The commit whose reference bot is "before": where issue 16 measured 1,141 µs of CPU per cheap update. */
  beforeCommit: '7f63079',
} as const;

/** A reference bot the users part runs: this checkout's (no bin), or an earlier commit's from a worktree. */
interface ReferenceBot {
  /** Short commit, as the table names it. */
  commit: string;
  /** `bin/botcap.js` of the worktree; undefined for this checkout. */
  bin?: string;
}

interface ScenarioRow {
  scenario: string;
  exitCode: number | null;
  wallS: number;
  autoLine?: string;
  fidelity?: RunResult['fidelity'];
  status?: string;
}

interface UsersRow {
  users: number;
  bot: string;
  decision: TimeScaleDecision;
  check?: RunResult['fidelity'];
  checkWallS: number;
}

/** `botcap run <scenario>` at its defaults in a child process, as a user waits for it. */
async function runScenarioCli(scenario: string): Promise<ScenarioRow> {
  const out = mkdtempSync(join(tmpdir(), `botcap-bench-fidelity-${scenario}-`));
  const started = performance.now();
  let stderr = '';
  const exitCode = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/botcap.js'), 'run', scenario, '-o', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code) => resolve(code));
  });
  const wallS = Math.round((performance.now() - started) / 100) / 10;
  try {
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
    const autoLine = stderr
      .split('\n')
      .find((line) => line.startsWith('time scale auto: ') && !line.includes('calibrating'));
    return {
      scenario,
      exitCode,
      wallS,
      ...(autoLine === undefined ? {} : { autoLine }),
      ...(result.fidelity === undefined ? {} : { fidelity: result.fidelity }),
      status: result.status,
    };
  } catch {
    return { scenario, exitCode, wallS };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * The reference bot of `commit` in a temporary git worktree using this checkout's packages, its bundle built once
 * (`botcap bot --help`) so the first instance does not build it within its ready timeout.
 */
function checkOutBot(commit: string): { bot: ReferenceBot; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `botcap-bench-bot-${commit}-`));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  git('worktree', 'add', '--force', '--detach', dir, commit);
  linkPackages(dir);
  const bin = join(dir, 'bin/botcap.js');
  execFileSync(process.execPath, [bin, 'bot', '--help'], { cwd: dir, stdio: 'ignore' });
  return {
    bot: { commit: git('rev-parse', '--short', commit).toString().trim(), bin },
    remove: () => git('worktree', 'remove', '--force', dir),
  };
}

/**
 * A node_modules for the worktree `dir` whose packages link to this checkout's, and whose bundle cache
 * (node_modules/.cache) is its own. Sharing node_modules whole shared the cache too: an earlier commit's
 * bin/prebuilt.js (7f63079's) keys a bundle by content alone, so it took the bundle an earlier worktree of the
 * same commit had built, whose files were gone with that worktree, and the bot could not start.
 */
function linkPackages(dir: string): void {
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (name !== '.cache') symlinkSync(join(REPO_ROOT, 'node_modules', name), join(modules, name));
  }
}

/** The calibration's pick for N concurrent users of 500-concurrent's mix, and a check run held at that scale. */
async function faithfulScaleFor(users: number, bot: ReferenceBot): Promise<UsersRow> {
  const base = applyOverrides(await loadScenario('500-concurrent'), { users, timeScale: 'auto' });
  const botOptions = bot.bin === undefined ? {} : { referenceBotBin: bot.bin };
  const { decision } = await resolveTimeScale(base, { handleSignals: false, ...botOptions }, runScenario);
  const check = applyOverrides(base, {
    timeScale: decision.timeScale,
    duration: FIDELITY_BENCH_DEFAULTS.checkDuration,
  });
  const started = performance.now();
  const result = await runScenario(check, { handleSignals: false, timeScaleSource: 'auto', ...botOptions });
  return {
    users,
    bot: bot.commit,
    decision,
    ...(result.fidelity === undefined ? {} : { check: result.fidelity }),
    checkWallS: Math.round((performance.now() - started) / 100) / 10,
  };
}

function fidelityCell(f: RunResult['fidelity']): string {
  if (f === undefined) return 'not measured';
  return `${f.status === 'ok' ? 'ok' : '**distorted**'}: ${Math.round(f.estimatedDistortionMs)} ms of ${f.boundMs} ms, limiting ${f.limitingProcess}`;
}

/** The section as Markdown (pure). */
export function formatFidelityBenchmark(
  scenarios: readonly ScenarioRow[],
  users: readonly UsersRow[],
  run: Parameters<typeof formatMachine>[1] & { machine: Awaited<ReturnType<typeof machineDetails>> },
): string {
  const bots = [...new Set(users.map((u) => u.bot))];
  return [
    '## Fidelity: the scale `auto` picks, the lab delay at it, and faithful user-seconds per second',
    '',
    formatMachine(run.machine, run),
    '',
    '### Built-in scenarios at their defaults (`botcap run <scenario>`, time scale auto)',
    '',
    '| scenario | scale picked (why) | fidelity of the run | exit | wall time s |',
    '| --- | --- | --- | ---: | ---: |',
    ...scenarios.map(
      (s) =>
        `| ${s.scenario} | ${s.autoLine?.replace(/^time scale auto: /, '').replace(/\|/g, '/') ?? 'not reported'} | ${fidelityCell(s.fidelity)} | ${s.exitCode ?? '-'} | ${s.wallS} |`,
    ),
    '',
    '### Largest faithful scale for the reference bot (500-concurrent mix, polling x1), by concurrent users',
    '',
    '| concurrent users | reference bot at | bot CPU ms per update (calibration) | generator + fakes CPU ms per update | PostgreSQL CPU ms per update | scale picked | predicted lab delay ms | check run at that scale | faithful simulated user-s per real s | check wall s |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
    ...users.map(
      (u) =>
        `| ${u.users} | ${u.bot} | ${calibratedCpuMs(u, 'bot-1')} | ${calibratedCpuMs(u, 'loadgen')} | ${calibratedCpuMs(u, 'postgres')} | ${u.decision.timeScale}x | ${Math.round(u.decision.calibration?.choice.distortionMs ?? 0)} | ${fidelityCell(u.check)} | ${u.check?.status === 'ok' ? (u.users * u.decision.timeScale).toLocaleString('en-US') : '-'} | ${u.checkWallS} |`,
    ),
    '',
    ...bots.map((bot) => meritLine(bot, users)),
    '',
    `The pick comes from a calibration run (the scenario's peak held flat at a low scale, its users as their steady arrival rate) fed to the queueing model of loadgen/fidelity/auto-scale.ts; the check run (${FIDELITY_BENCH_DEFAULTS.checkDuration} simulated at the picked scale) measures its own fidelity with the lab-delay-x-scale method, which is what a user's run reports. ` +
      `Each size runs both reference bots, one after the other, with this commit's lab (generator, fakes, PostgreSQL, knobs, seed): the earlier bot is checked out in a git worktree and started in place of this one, so the rows compare the bot alone. 1x is the lowest scale \`auto\` picks (candidateScales in loadgen/fidelity/auto-scale.ts: it never plays slower than real time), so where both bots get 1x, the calibration's CPU per update and the check run's lab delay are what tell them apart. ` +
      `The CPU columns are the calibration's real CPU per update (busy time over updates, at the peak held flat) of the bot instance, of the generator process with the fakes it hosts (Telegram and Claude, and MCP or the ingest feed when the scenario has them: the lab's own cost, which turns into lab delay at any scale and which production would not have), and of PostgreSQL's backends; at these rates of tens of updates per second each of the fakes' calls wakes an idle core, so the generator costs far more per update here than at the loadgen section's ceiling.`,
  ].join('\n');
}

/**
 * A process's real CPU ms per update in the calibration: `bot-1` (one instance), `loadgen` (the generator with the
 * fakes it hosts: the lab's own cost, which production would not have) or `postgres` (its backends together).
 */
function calibratedCpuMs(u: UsersRow, name: 'bot-1' | 'loadgen' | 'postgres'): string {
  const process = u.decision.calibration?.processes.find((p) => p.name === name);
  return process === undefined ? '-' : process.cpuMsPerItem.toFixed(2);
}

/** One bot's figure of merit and the most users it replayed with fidelity ok. */
function meritLine(bot: string, users: readonly UsersRow[]): string {
  const ok = users.filter((u) => u.bot === bot && u.check?.status === 'ok');
  if (ok.length === 0) return `- Reference bot at ${bot}: no faithful check run.`;
  const merit = Math.max(...ok.map((u) => u.users * u.decision.timeScale));
  const most = Math.max(...ok.map((u) => u.users));
  const largest = Math.max(...users.map((u) => u.users));
  const mostText = `**${most.toLocaleString('en-US')}**${most === largest ? ', the largest size tried: the limit is higher' : ''}`;
  return `- Reference bot at ${bot}: up to **${merit.toLocaleString('en-US')}** faithful simulated user-seconds per real second; the most concurrent users replayed with fidelity ok: ${mostText}.`;
}

async function main(): Promise<void> {
  const args = benchCommandLine('bench/fidelity.ts', {
    before: {
      type: 'string',
      valueName: 'commit|none',
      help: `the earlier reference bot the users part compares with (default ${FIDELITY_BENCH_DEFAULTS.beforeCommit}; none: this one only)`,
    },
    quick: { type: 'boolean', help: 'smoke, and 100 users only: checks the method, not figures to commit' },
  });
  const quick = args.quick;
  const machine = await machineDetails();
  const loadBefore = loadAverage();
  // The users part first: it checks out and starts the earlier bot, which fails early if it cannot run.
  const beforeCommit = args.before ?? FIDELITY_BENCH_DEFAULTS.beforeCommit;
  const before = beforeCommit === 'none' ? undefined : checkOutBot(beforeCommit);
  const bots: ReferenceBot[] = [{ commit: machine.gitCommit }, ...(before === undefined ? [] : [before.bot])];
  const users: UsersRow[] = [];
  try {
    for (const n of quick ? [100] : FIDELITY_BENCH_DEFAULTS.users) {
      for (const bot of bots) {
        process.stderr.write(`bench: faithful scale for ${n} concurrent users, reference bot at ${bot.commit} ...\n`);
        users.push(await faithfulScaleFor(n, bot));
      }
    }
  } finally {
    before?.remove();
  }
  const scenarioNames = quick ? (['smoke'] as const) : FIDELITY_BENCH_DEFAULTS.scenarios;
  const scenarios: ScenarioRow[] = [];
  for (const name of scenarioNames) {
    process.stderr.write(`bench: botcap run ${name} (time scale auto) ...\n`);
    scenarios.push(await runScenarioCli(name));
  }
  const body = formatFidelityBenchmark(scenarios, users, {
    machine,
    command: commandLine(),
    loadBefore,
    loadAfter: loadAverage(),
  });
  await writeBenchmarkSection('fidelity', body);
  process.stdout.write(`${body}\n`);
}

await main();
