import type { ProgressEvent } from '../loadgen/runner.ts';
import type { RunStage } from '../orchestration/options.ts';
import { describeDecision } from '../orchestration/time-scale.ts';

/** How often a plain (non-TTY) progress line is written, real ms; a TTY redraws on every event. */
export const PROGRESS_DEFAULTS = { plainIntervalRealMs: 5_000 } as const;

/** `m:ss` of a number of seconds. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function rate(perS: number): string {
  return perS >= 100 ? perS.toFixed(0) : perS.toFixed(1);
}

/**
 * One status line from a LoadRunner progress event: phase, simulated elapsed / total, real ETA, users,
 * updates/s, live p95 and errors. Pure, so it is tested without a terminal.
 *
 * @example
 * formatProgress(event) // 'hold  1:05/2:00 sim  eta 3s  24 users  11.8 upd/s  p95 420 ms  0 errors'
 */
export function formatProgress(p: ProgressEvent): string {
  const parts = [
    p.phase,
    `${clock(p.elapsedMs / 1000)}/${clock(p.durationMs / 1000)} sim`,
    `eta ${Math.ceil(p.etaRealS)}s`,
    `${p.activeVus} users`,
    `${rate(p.updatesPerS)} upd/s`,
    p.p95Ms === null ? 'no replies' : `p95 ${Math.round(p.p95Ms)} ms`,
    `${p.errors} errors`,
  ];
  if (p.dropped > 0) parts.push(`${p.dropped} dropped`);
  return parts.join('  ');
}

/**
 * A line for a stage of the run, or undefined for stages not worth a line.
 *
 * @example
 * formatStage({ type: 'instance-killed', name: 'bot-3', atMs: 60_000 }) // 'killed bot-3 (SIGKILL) at 60s simulated'
 */
export function formatStage(stage: RunStage): string | undefined {
  switch (stage.type) {
    case 'environment': {
      const event = stage.event;
      if (event.type === 'starting') return `starting ${event.component}...`;
      if (event.type === 'cleaned') return event.description;
      if (event.type === 'signal')
        return event.forced ? `${event.signal} again: killing everything now` : `${event.signal}: stopping the run`;
      return undefined;
    }
    case 'fakes-ready':
      return `fakes: telegram ${stage.telegramUrl}, claude ${stage.claudeUrl}${stage.mcpUrl ? `, mcp ${stage.mcpUrl}` : ''}`;
    case 'bots-ready':
      return `bots ready: ${stage.bots.map((b) => b.name).join(', ')}`;
    case 'late-start':
      return `the bots took longer to start than allowed: the load starts ${Math.round(stage.lateMs / 1000)}s (simulated) after the scenario's start`;
    case 'calibrating':
      return `time scale auto: calibrating (${stage.realS} s of the scenario's peak at ${stage.timeScale}x)...`;
    case 'time-scale':
      return describeDecision(stage.decision);
    case 'load-started':
      return `load: ${clock(stage.durationMs / 1000)} simulated at ${stage.timeScale}x (~${Math.ceil(stage.durationMs / 1000 / stage.timeScale)}s)`;
    case 'instance-killed':
      return `killed ${stage.name} (SIGKILL) at ${Math.round(stage.atMs / 1000)}s simulated`;
    case 'fault':
      return `fault at ${Math.round(stage.atMs / 1000)}s simulated: ${stage.detail}`;
    case 'bot-crashed':
      return [
        `${stage.name} exited on its own at ${Math.round(stage.atMs / 1000)}s simulated (code ${stage.code}, signal ${stage.signal}); its last lines:`,
        ...stage.lastLines.map((line) => `  ${line}`),
      ].join('\n');
    case 'load-finished':
      return stage.status === 'aborted' ? 'load aborted; measuring what ran' : undefined;
    case 'teardown':
      return 'tearing down';
    case 'teardown-error':
      return `teardown: ${stage.message}`;
  }
}

/** Where progress goes: stderr in the CLI, a buffer in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Writes progress for humans: on a TTY one status line redrawn in place; otherwise plain lines, one per
 * `plainIntervalRealMs`, so CI logs stay short. Stage lines are always printed on their own line.
 *
 * @example
 * const progress = new ProgressWriter(process.stderr);
 * runScenario(scenario, { onProgress: (p) => progress.update(p), onStage: (s) => progress.stage(s) });
 */
export class ProgressWriter {
  private statusShown = false;
  private lastPlainRealMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: { plainIntervalRealMs?: number; nowRealMs?: () => number } = {},
  ) {}

  update(progress: ProgressEvent): void {
    const text = formatProgress(progress);
    if (this.stream.isTTY === true) {
      this.stream.write(`\r\x1b[2K${text}`);
      this.statusShown = true;
      return;
    }
    const now = (this.options.nowRealMs ?? (() => performance.now()))();
    if (now - this.lastPlainRealMs < (this.options.plainIntervalRealMs ?? PROGRESS_DEFAULTS.plainIntervalRealMs))
      return;
    this.lastPlainRealMs = now;
    this.stream.write(`${text}\n`);
  }

  stage(stage: RunStage): void {
    const text = formatStage(stage);
    if (text !== undefined) this.line(text);
  }

  /** A line of its own, clearing the status line first on a TTY. */
  line(text: string): void {
    this.clearStatus();
    this.stream.write(`${text}\n`);
  }

  /** Leaves the terminal on a fresh line. */
  done(): void {
    this.clearStatus();
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    this.stream.write('\r\x1b[2K');
    this.statusShown = false;
  }
}
