/**
 * Where the lab's CPU goes in the production mix (issue 16). `botcap run <scenario> --time-scale <x>` twice: once as a
 * user runs it, for each process's CPU per update; once with every reference bot and the generator (the runner with
 * the fakes it hosts) under V8's sampling profiler, for where that CPU goes. Each process's CPU per update by stage
 * (bench/cpu-profile.ts), with the part of it spent inside write system calls; beside it, what one loopback round
 * trip costs this machine when the peer answers back to back and when both sides sleep between messages, as they do
 * at the production mix's tens of updates per second.
 *
 * The saturated benchmarks (bench/bot.ts, bench/loadgen.ts) price the JavaScript of a busy process. A scaled run is
 * not busy: every call wakes a process that was asleep, and what that wake costs is the machine's (the section measures it). This section
 * says which of the two the lab's own delay is made of.
 *
 * The profiler starts in each process from a preload (NODE_OPTIONS=--require: the bots are botcap's children and
 * take no node flags of their own) and writes its profile when the process exits or is told to stop. It costs CPU of
 * its own (each sample wakes the process), which the run without it measures.
 *
 * Run: `npx tsx bench/mix-profile.ts [--scenario 500-concurrent] [--time-scale 2] [--quick]`; writes section
 * `mix-profile` of docs/BENCHMARKS.md, in about 10 minutes (`--quick`: smoke, about 3).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunResult } from '../contracts/run-result.ts';
import { listScenarios } from '../scenarios/index.ts';
import { benchCommandLine } from './args.ts';
import {
  type CpuProfile,
  formatStages,
  GENERATOR_STAGES,
  MIX_BOT_STAGES,
  profileStageCosts,
  type StageCosts,
  type StageRule,
  sharesOf,
} from './cpu-profile.ts';
import { formatSpread, type Spread, summarize } from './proc.ts';
import {
  commandLine,
  formatMachine,
  loadAverage,
  machineDetails,
  REPO_ROOT,
  thousands,
  writeBenchmarkSection,
} from './report-file.ts';

export const MIX_PROFILE_DEFAULTS = {
  scenario: '500-concurrent',
  /** The scale `auto` picked for 500-concurrent in the fidelity section's runs (2x at 4eb1da0). */
  timeScale: 2,
  /**
   * The profiler's sampling interval, µs. Each sample wakes the process, which costs far more here than on a busy
   * machine: at node --cpu-prof's 1 ms the generator's CPU per update doubled.
   */
  samplingIntervalUs: 5000,
  /** Round trips per measurement of the wake cost, back to back and with a sleep between. */
  roundTripsBackToBack: 5000,
  roundTripsAsleep: 400,
  /** The sleep between round trips, ms: a process of the production mix waits about this long between calls. */
  asleepGapMs: 5,
  wakeRounds: 3,
} as const;

const PROFILE_DIR_ENV = 'BOTCAP_BENCH_PROFILE_DIR';

/**
 * Profiles `botcap run` (the generator) and `botcap bot` (each reference bot), nothing else botcap starts: the
 * in-process inspector session answers synchronously, so the profile is written within the handler. Written at
 * the first SIGTERM or SIGINT too: botcap stops a bot with SIGTERM and kills it when its shutdown takes too long
 * (a bot with a full Claude queue), and a killed process runs no exit handler. The signal keeps its effect: the
 * process's own handlers run, and one without any is ended by the signal, as it would have been.
 */
const PRELOAD = `'use strict';
const role = process.argv[2];
const dir = process.env.${PROFILE_DIR_ENV};
if (dir && (role === 'run' || role === 'bot')) {
  const { Session } = require('node:inspector');
  const { writeFileSync } = require('node:fs');
  const { join } = require('node:path');
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: ${MIX_PROFILE_DEFAULTS.samplingIntervalUs} });
  session.post('Profiler.start');
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, role + '-' + process.pid + '.cpuprofile'), JSON.stringify(result.profile));
    });
  };
  process.on('exit', write);
  for (const signal of ['SIGTERM', 'SIGINT']) {
    const onSignal = () => {
      write();
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.prependListener(signal, onSignal);
  }
}
`;

/** An echo server on loopback in a process of its own: the peer a round trip wakes. */
const ECHO_SERVER = `
const server = require('node:net').createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('data', (data) => socket.write(data));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

/** CPU of this process per loopback round trip (µs): back to back, and with both sides asleep between them. */
export interface WakeCost {
  backToBackUs: Spread;
  asleepUs: Spread;
  /** The system (kernel) part of each, µs. */
  backToBackSystemUs: Spread;
  asleepSystemUs: Spread;
}

/** One `botcap run` of the section: what the run's own /proc sampling read, per update injected. */
export interface MixRun {
  exitCode: number | null;
  wallS: number;
  updates: number;
  timeScale: number;
  fidelity: RunResult['fidelity'];
  /** CPU µs per update of each process botcap samples; bots summed over instances. */
  cpuUsPerUpdate: { generator?: number; bots?: number; postgres?: number };
  /** Instances of the reference bot. */
  bots: number;
}

/** The profiled run: its processes' stage costs from their profiles (the bots' summed). */
export interface ProfiledMixRun extends MixRun {
  generatorCosts: StageCosts;
  botCosts: StageCosts;
}

export interface MixProfileResult {
  scenario: string;
  /** The same run without the profiler: the CPU per update the stages' µs are shares of. */
  plain: MixRun;
  profiled: ProfiledMixRun;
  wake: WakeCost;
}

async function startEchoServer(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', ECHO_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the echo server exited (code ${code}) before it listened`)));
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number.parseInt(chunk.toString(), 10)));
  });
  return { port, child };
}

/** `count` round trips of 200 bytes, each sent `gapMs` after the last answer (0: at once); this process's CPU per trip. */
async function roundTrips(port: number, count: number, gapMs: number): Promise<{ totalUs: number; systemUs: number }> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const message = Buffer.alloc(200, 0x61);
  const warmUp = 20;
  let answered = 0;
  let from: NodeJS.CpuUsage | undefined;
  const used = await new Promise<NodeJS.CpuUsage>((resolve) => {
    const send = () => socket.write(message);
    socket.on('data', () => {
      answered++;
      if (answered === warmUp) from = process.cpuUsage();
      if (answered === warmUp + count) {
        resolve(process.cpuUsage(from));
        return;
      }
      if (gapMs === 0) send();
      else setTimeout(send, gapMs);
    });
    send();
  });
  socket.destroy();
  return { totalUs: (used.user + used.system) / count, systemUs: used.system / count };
}

/** What a loopback round trip costs this machine, rounds alternating between back to back and asleep. */
export async function measureWakeCost(): Promise<WakeCost> {
  const d = MIX_PROFILE_DEFAULTS;
  const { port, child } = await startEchoServer();
  const busy: { totalUs: number; systemUs: number }[] = [];
  const asleep: { totalUs: number; systemUs: number }[] = [];
  try {
    for (let round = 0; round < d.wakeRounds; round++) {
      busy.push(await roundTrips(port, d.roundTripsBackToBack, 0));
      asleep.push(await roundTrips(port, d.roundTripsAsleep, d.asleepGapMs));
    }
  } finally {
    child.kill();
  }
  return {
    backToBackUs: summarize(busy.map((r) => r.totalUs)),
    asleepUs: summarize(asleep.map((r) => r.totalUs)),
    backToBackSystemUs: summarize(busy.map((r) => r.systemUs)),
    asleepSystemUs: summarize(asleep.map((r) => r.systemUs)),
  };
}

/**
 * A process's CPU over the run from its cpu_percent series (each point the share of a core since the previous one,
 * at simulated times), per update injected, µs; undefined when the series is missing.
 */
export function sampledCpuUsPerUpdate(
  result: Pick<RunResult, 'timeSeries' | 'timeScale'> & { load: Pick<RunResult['load'], 'updatesInjected'> },
  source: string,
): number | undefined {
  const series = result.timeSeries.find((s) => s.name === 'cpu_percent' && s.source === source);
  const updates = result.load.updatesInjected;
  if (series === undefined || series.points.length < 2 || updates === 0) return undefined;
  let cpuMs = 0;
  for (let i = 1; i < series.points.length; i++) {
    const [atMs, percent] = series.points[i]!;
    const realSpanMs = (atMs - series.points[i - 1]![0]) / result.timeScale;
    cpuMs += (percent / 100) * realSpanMs;
  }
  return (cpuMs * 1000) / updates;
}

/** Several processes' stage costs as one (the bots of a run with more than one instance), weighted by busy time. */
export function sumStageCosts(all: readonly StageCosts[]): StageCosts {
  const busyMs = all.reduce((sum, c) => sum + c.busyMs, 0);
  const byStage = new Map<string, { time: number; writes: number }>();
  for (const costs of all) {
    for (const s of costs.stages) {
      const cost = byStage.get(s.stage) ?? { time: 0, writes: 0 };
      cost.time += s.share * costs.busyMs;
      cost.writes += s.writeShare * costs.busyMs;
      byStage.set(s.stage, cost);
    }
  }
  return { busyMs, stages: sharesOf(byStage, busyMs) };
}

function readProfiles(dir: string, role: 'run' | 'bot', rules: readonly StageRule[]): StageCosts[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${role}-`) && name.endsWith('.cpuprofile'))
    .map((name) => profileStageCosts(JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile, rules));
}

/** The bot instances a run sampled: its series' sources bot-1, bot-2, ... */
function botSources(result: Pick<RunResult, 'timeSeries'>): Set<string> {
  return new Set(result.timeSeries.filter((s) => /^bot-\d+$/.test(s.source)).map((s) => s.source));
}

/** The bots' CPU per update, summed over their instances (sources bot-1, bot-2, ...). */
export function botsCpuUsPerUpdate(result: Parameters<typeof sampledCpuUsPerUpdate>[0]): number | undefined {
  let total: number | undefined;
  for (const source of botSources(result)) {
    const perUpdate = sampledCpuUsPerUpdate(result, source);
    if (perUpdate !== undefined) total = (total ?? 0) + perUpdate;
  }
  return total;
}

/**
 * `botcap run <scenario> --time-scale <x>` in a child process, as a user starts it; with `profileDir`, the bots and
 * the generator under the profiler, writing there.
 */
async function runMix(scenario: string, timeScale: number, profileDir?: string): Promise<MixRun> {
  const dir = mkdtempSync(join(tmpdir(), 'botcap-bench-mix-'));
  try {
    const env = { ...process.env };
    if (profileDir !== undefined) {
      const preload = join(dir, 'profile-preload.cjs');
      writeFileSync(preload, PRELOAD);
      env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(preload)}`.trim();
      env[PROFILE_DIR_ENV] = profileDir;
    }
    const out = join(dir, 'out');
    const started = performance.now();
    let stderr = '';
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [join(REPO_ROOT, 'bin/botcap.js'), 'run', scenario, '--time-scale', String(timeScale), '-o', out],
        { env, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });
    const wallS = (performance.now() - started) / 1000;
    let result: RunResult;
    try {
      result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
    } catch {
      throw new Error(`botcap run ${scenario} wrote no result.json (exit ${exitCode}):\n${stderr.slice(-2000)}`);
    }
    return {
      exitCode,
      wallS,
      updates: result.load.updatesInjected,
      timeScale: result.timeScale,
      fidelity: result.fidelity,
      cpuUsPerUpdate: {
        generator: sampledCpuUsPerUpdate(result, 'loadgen'),
        bots: botsCpuUsPerUpdate(result),
        postgres: sampledCpuUsPerUpdate(result, 'postgres'),
      },
      bots: botSources(result).size,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The run with its bots and generator under the profiler, and their stage costs. */
async function profiledMix(scenario: string, timeScale: number): Promise<ProfiledMixRun> {
  const profiles = mkdtempSync(join(tmpdir(), 'botcap-bench-mix-profiles-'));
  try {
    const run = await runMix(scenario, timeScale, profiles);
    const generator = readProfiles(profiles, 'run', GENERATOR_STAGES);
    const bots = readProfiles(profiles, 'bot', MIX_BOT_STAGES);
    if (generator.length !== 1 || bots.length !== run.bots) {
      throw new Error(
        `expected one generator profile and ${run.bots} of bots, found ${generator.length} and ${bots.length} ` +
          '(a process killed before its first SIGTERM writes none)',
      );
    }
    return { ...run, generatorCosts: generator[0]!, botCosts: sumStageCosts(bots) };
  } finally {
    rmSync(profiles, { recursive: true, force: true });
  }
}

/** Share of a process's busy CPU spent in write system calls, over every stage. */
export function writeShare(costs: StageCosts): number {
  return costs.stages.reduce((sum, s) => sum + s.writeShare, 0);
}

function processTable(name: string, costs: StageCosts, plainCpuUsPerUpdate: number | undefined): string {
  if (plainCpuUsPerUpdate === undefined) return `**${name}**: no CPU series in the run without the profiler.`;
  return [
    `**${name}**: ${thousands(plainCpuUsPerUpdate)} µs of CPU per update without the profiler; ` +
      `${(writeShare(costs) * 100).toFixed(0)}% of its profile inside write system calls.`,
    '',
    formatStages(costs.stages, plainCpuUsPerUpdate, { writes: true }),
  ].join('\n');
}

/**
 * The generator's stages the loadgen section's ceiling prices: the fakes' and the runner's own JavaScript, which the
 * runner-vs-autocannon ratio is about. The rest (Node's HTTP server, the runtime, garbage collection, sampling, the
 * environment) a faster runner would not remove.
 */
const CEILING_PRICED = ['fake Telegram', 'fake Claude', 'load runner', 'webhook delivery client'];

/** What the figures say, as bullets (pure). */
export function mixFindings(r: MixProfileResult): string[] {
  const bot = r.plain.cpuUsPerUpdate.bots;
  const generator = r.plain.cpuUsPerUpdate.generator;
  const lines: string[] = [];
  const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
  if (bot !== undefined && generator !== undefined) {
    const botWrites = writeShare(r.profiled.botCosts);
    const generatorWrites = writeShare(r.profiled.generatorCosts);
    lines.push(
      `- Inside write system calls: the bot ${thousands(botWrites * bot)} µs per update (${pct(botWrites)} of its CPU), ` +
        `the generator ${thousands(generatorWrites * generator)} (${pct(generatorWrites)}). Each such write hands a message to a ` +
        "process that was asleep, at this machine's price for a wake (the round-trip table).",
    );
    const priced = r.profiled.generatorCosts.stages
      .filter((s) => CEILING_PRICED.some((prefix) => s.stage.startsWith(prefix)))
      .reduce((sum, s) => sum + s.share, 0);
    lines.push(
      `- What the loadgen section's ceiling prices, the fakes' and the runner's own JavaScript (${CEILING_PRICED.join(', ')}): ` +
        `${thousands(priced * generator)} µs per update, ${pct(priced)} of the generator's CPU here. The rest is Node's HTTP ` +
        'server under the fakes, the runtime, garbage collection, resource sampling and the environment, which a faster runner would not remove.',
    );
  }
  const added = (profiled: number | undefined, plain: number | undefined) =>
    profiled === undefined || plain === undefined ? '-' : `${((profiled / plain - 1) * 100).toFixed(0)}%`;
  lines.push(
    `- The profiler added ${added(r.profiled.cpuUsPerUpdate.bots, bot)} to the bot's CPU per update and ` +
      `${added(r.profiled.cpuUsPerUpdate.generator, generator)} to the generator's (one run each: the runs' own spread is not measured).`,
  );
  return lines;
}

function runRow(what: string, run: MixRun): string {
  const f = run.fidelity;
  const fidelity = f === undefined ? '-' : `${f.status}: ${Math.round(f.estimatedDistortionMs)} of ${f.boundMs} ms`;
  const us = (value: number | undefined) => (value === undefined ? '-' : thousands(value));
  const c = run.cpuUsPerUpdate;
  return `| ${what} | ${thousands(run.updates)} | ${run.wallS.toFixed(0)} | ${run.exitCode} | ${fidelity} | ${us(c.bots)} | ${us(c.generator)} | ${us(c.postgres)} |`;
}

/** The section (pure). */
export function formatMixProfile(
  r: MixProfileResult,
  run: Parameters<typeof formatMachine>[1] & { machine: Awaited<ReturnType<typeof machineDetails>> },
): string {
  const d = MIX_PROFILE_DEFAULTS;
  const w = r.wake;
  const wakeRatio = w.asleepUs.median / Math.max(1e-9, w.backToBackUs.median);
  const scale = r.plain.timeScale;
  return [
    "## Production mix: where the lab's CPU per update goes",
    '',
    formatMachine(run.machine, run),
    '',
    '### What a loopback round trip costs this machine',
    '',
    '| round trips | CPU µs per round trip (this side) | of it, kernel µs |',
    '| --- | ---: | ---: |',
    `| back to back (the peer never sleeps) | ${formatSpread(w.backToBackUs)} | ${formatSpread(w.backToBackSystemUs)} |`,
    `| ${d.asleepGapMs} ms apart (both sides sleep between them) | ${formatSpread(w.asleepUs)} | ${formatSpread(w.asleepSystemUs)} |`,
    '',
    `200 bytes to an echo server in another process and back, ${d.roundTripsBackToBack.toLocaleString('en-US')} back to back ` +
      `and ${d.roundTripsAsleep} with ${d.asleepGapMs} ms between, ${d.wakeRounds} alternating rounds, ` +
      `median (min-max), from process.cpuUsage() of the sending side. The same round trip costs ${wakeRatio.toFixed(1)}x as much ` +
      'when both sides sleep between messages, as the processes of a scaled run do: what each wake costs (the idle core woken, its caches cold) ' +
      'is CPU the saturated benchmarks never see.',
    '',
    `### \`botcap run ${r.scenario} --time-scale ${scale}\`, without and with the profiler`,
    '',
    '| run | updates | wall s | exit | fidelity (lab delay of bound) | bot CPU µs per update | generator | PostgreSQL |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    runRow('without the profiler', r.plain),
    runRow(`the bot and the generator under V8's sampler, every ${d.samplingIntervalUs / 1000} ms`, r.profiled),
    '',
    "CPU per update from the run's own /proc sampling (each process's cpu_percent series over the run, every thread, " +
      'PostgreSQL with all its backends) over the updates injected. The second run says what the profiler itself costs; ' +
      "the stages below are the second run's shares of the first run's CPU.",
    '',
    ...mixFindings(r),
    '',
    '### Each process by stage',
    '',
    'Each profile over the whole run, module loading and idle time left out (setup and teardown are in it: the environment stage), ' +
      'each sample charged to the deepest frame on its stack that belongs to a stage (bench/cpu-profile.ts); µs per update = ' +
      "the stage's share of the profile x the process's CPU per update without the profiler. The profile sees the main thread only " +
      "(V8's garbage-collector helpers and libuv's pool are spread over the stages in proportion), and V8 samples on the wall clock: " +
      'a sample taken while the thread was preempted is charged to whatever it was running. "Write system calls" are samples whose ' +
      "leaf is one of Node's write bindings (writev, writeBuffer, writeString, ...). A write to a loopback socket runs the " +
      "delivery to the peer and wakes it, and on 2 cores the woken peer often takes the writer's core at once: that wait is in the column too.",
    '',
    processTable(
      r.profiled.bots === 1 ? 'reference bot' : `reference bots (${r.profiled.bots} instances, summed)`,
      r.profiled.botCosts,
      r.plain.cpuUsPerUpdate.bots,
    ),
    '',
    processTable(
      'generator (runner, fake Telegram, fake Claude, sampler)',
      r.profiled.generatorCosts,
      r.plain.cpuUsPerUpdate.generator,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = benchCommandLine('bench/mix-profile.ts', {
    scenario: {
      type: 'string',
      choices: listScenarios().map((scenario) => scenario.name),
      help: `the built-in scenario to run (default ${MIX_PROFILE_DEFAULTS.scenario})`,
    },
    'time-scale': { type: 'number', help: `the run's time scale (default ${MIX_PROFILE_DEFAULTS.timeScale})` },
    quick: { type: 'boolean', help: 'smoke instead of the default scenario: checks the method, not figures to commit' },
  });
  const scenario = args.scenario ?? (args.quick ? 'smoke' : MIX_PROFILE_DEFAULTS.scenario);
  const timeScale = args['time-scale'] ?? MIX_PROFILE_DEFAULTS.timeScale;
  const machine = await machineDetails();
  const loadBefore = loadAverage();
  process.stderr.write('bench: the cost of a loopback round trip, back to back and asleep ...\n');
  const wake = await measureWakeCost();
  process.stderr.write(`bench: botcap run ${scenario} --time-scale ${timeScale} ...\n`);
  const plain = await runMix(scenario, timeScale);
  process.stderr.write(`bench: botcap run ${scenario} --time-scale ${timeScale}, profiled ...\n`);
  const profiled = await profiledMix(scenario, timeScale);
  const body = formatMixProfile(
    { scenario, plain, profiled, wake },
    { machine, command: commandLine(), loadBefore, loadAfter: loadAverage() },
  );
  await writeBenchmarkSection('mix-profile', body);
  process.stdout.write(`${body}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
