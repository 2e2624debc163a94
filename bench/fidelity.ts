/**
 * Fidelity benchmark (issue "Fidelity first"): for each built-in scenario at its defaults (`--time-scale auto`),
 * the scale the calibration picked, the lab delay the run then measured against its bound, and the wall time;
 * and for the reference bot at 100, 500 and 1,000 concurrent users of the production mix, the largest time
 * scale the calibration finds faithful, checked by a short run at that scale. The figure of merit is faithful
 * simulated user-seconds per real second (users x scale, counted only when the check run says ok).
 *
 * Writes its section of docs/BENCHMARKS.md. Nothing here is asserted in tests.
 *
 *   npx tsx bench/fidelity.ts            # all three scenarios, 100 / 500 / 1,000 users (about 30 minutes)
 *   npx tsx bench/fidelity.ts --quick    # smoke, and 100 users only
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../contracts/run-result.ts';
import { runScenario } from '../orchestration/run.ts';
import { resolveTimeScale, type TimeScaleDecision } from '../orchestration/time-scale.ts';
import { applyOverrides, loadScenario } from '../scenarios/index.ts';
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
  users: [100, 500, 1000] as const,
  /** Simulated length of the check run at the picked scale (the 500-concurrent shape, held flat). */
  checkDuration: '2m',
} as const;

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

/** The calibration's pick for N concurrent users of 500-concurrent's mix, and a check run held at that scale. */
async function faithfulScaleFor(users: number): Promise<UsersRow> {
  const base = applyOverrides(await loadScenario('500-concurrent'), { users, timeScale: 'auto' });
  const { decision } = await resolveTimeScale(base, { handleSignals: false }, runScenario);
  const check = applyOverrides(base, {
    timeScale: decision.timeScale,
    duration: FIDELITY_BENCH_DEFAULTS.checkDuration,
  });
  const started = performance.now();
  const result = await runScenario(check, { handleSignals: false, timeScaleSource: 'auto' });
  return {
    users,
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
  const merit = users.filter((u) => u.check?.status === 'ok').map((u) => u.users * u.decision.timeScale);
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
    '| concurrent users | scale picked | predicted lab delay ms | check run at that scale | faithful simulated user-s per real s | check wall s |',
    '| ---: | ---: | ---: | --- | ---: | ---: |',
    ...users.map(
      (u) =>
        `| ${u.users} | ${u.decision.timeScale}x | ${Math.round(u.decision.calibration?.choice.distortionMs ?? 0)} | ${fidelityCell(u.check)} | ${u.check?.status === 'ok' ? (u.users * u.decision.timeScale).toLocaleString('en-US') : '-'} | ${u.checkWallS} |`,
    ),
    '',
    `Figure of merit: ${merit.length === 0 ? 'no faithful check run' : `up to **${Math.max(...merit).toLocaleString('en-US')}** faithful simulated user-seconds per real second`}. ` +
      `The pick comes from a calibration run (the scenario's peak held flat at a low scale) fed to the queueing model of loadgen/fidelity/auto-scale.ts; the check run (${FIDELITY_BENCH_DEFAULTS.checkDuration} simulated at the picked scale) measures its own fidelity with the lab-delay-x-scale method, which is what a user's run reports.`,
  ].join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const machine = await machineDetails();
  const loadBefore = loadAverage();
  const scenarioNames = quick ? (['smoke'] as const) : FIDELITY_BENCH_DEFAULTS.scenarios;
  const scenarios: ScenarioRow[] = [];
  for (const name of scenarioNames) {
    process.stderr.write(`bench: botcap run ${name} (time scale auto) ...\n`);
    scenarios.push(await runScenarioCli(name));
  }
  const users: UsersRow[] = [];
  for (const n of quick ? [100] : FIDELITY_BENCH_DEFAULTS.users) {
    process.stderr.write(`bench: faithful scale for ${n} concurrent users ...\n`);
    users.push(await faithfulScaleFor(n));
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
