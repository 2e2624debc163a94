import type { FaultEvent } from '../contracts/run-result.ts';

/*
 * How an injected fault reads in the console summary and in JUnit: one wording, one place.
 */

/**
 * One fault: what it hit, when (simulated s since the load started), what it was, and what it cost when the
 * run measured it.
 *
 * @example
 * describeFault(fault)
 * // 'bot-2 instance-killed at 60 s (SIGKILL; to 90 s: 41 updates sent, 12 lost, 0 fallbacks)'
 */
export function describeFault(fault: FaultEvent): string {
  const s = (ms: number) => Math.round(ms / 1000);
  const when = fault.toMs > fault.fromMs ? `${s(fault.fromMs)}-${s(fault.toMs)} s` : `at ${s(fault.fromMs)} s`;
  const c = fault.cost;
  const cost =
    c === undefined
      ? ''
      : `; to ${s(c.untilMs)} s: ${c.updatesSent} ${c.updatesSent === 1 ? 'update' : 'updates'} sent, ${c.lost} lost, ${c.fallbacks} ${c.fallbacks === 1 ? 'fallback' : 'fallbacks'}`;
  return `${fault.target} ${fault.kind} ${when} (${fault.detail}${cost})`;
}

/**
 * The run's injected faults in one line.
 *
 * @example
 * formatFaults(result.faults) // 'bot-2 instance-killed at 60 s (SIGKILL); claude claude-errors 20-40 s (529 for 100% of calls)'
 */
export function formatFaults(faults: readonly FaultEvent[]): string {
  return faults.map(describeFault).join('; ');
}
