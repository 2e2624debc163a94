import type { ActionKind, Executor } from '../../scenarios/schema.ts';

/** A named part of the run (a k6 stage), as RunResult.phases records it. Times in simulated ms since start. */
export interface Phase {
  name: string;
  startMs: number;
  endMs: number;
  targetVus?: number;
  targetRatePerS?: number;
}

/** When one closed-model VU is active: half-open intervals [startMs, stopMs) of simulated ms. */
export interface VuPlan {
  vu: number;
  intervals: Array<readonly [startMs: number, stopMs: number]>;
}

/** Closed model: N concurrent VUs, each looping conversations with think time. */
export interface ClosedSchedule {
  kind: 'closed';
  executor: Extract<Executor, 'constant-vus' | 'ramping-vus'>;
  durationMs: number;
  phases: Phase[];
  peakVus: number;
  /** Time a VU removed by a ramp-down may still wait for its last reply. */
  gracefulStopMs: number;
  vus: VuPlan[];
  /** Seed for per-VU streams (actions, think times, conversation lengths). */
  seed: number;
}

/** One open-model arrival: an action meant to start at `atMs`, preferably by user `userIndex`. */
export interface Arrival {
  atMs: number;
  userIndex: number;
  action: ActionKind;
}

/** Open model: arrivals at a rate, independent of how fast the bot answers. */
export interface OpenSchedule {
  kind: 'open';
  executor: Extract<Executor, 'constant-arrival-rate' | 'ramping-arrival-rate' | 'scheduled-peak'>;
  durationMs: number;
  phases: Phase[];
  preAllocatedVus: number;
  maxVus: number;
  arrivals: Arrival[];
  seed: number;
}

/** A pure, seeded arrival schedule: computed before the run, checkable without running it. */
export type Schedule = ClosedSchedule | OpenSchedule;
