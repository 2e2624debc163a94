import type { ErlangCResult } from './types.ts';

/**
 * Erlang B blocking probability for `servers` servers and offered load `offeredLoad` Erlangs, by the
 * stable recursion B_0 = 1, B_k = a*B_{k-1} / (k + a*B_{k-1}).
 *
 * @example
 * erlangB(16, 18) // 0.0 .. 1.0
 */
export function erlangB(offeredLoad: number, servers: number): number {
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  return b;
}

/**
 * M/M/c: probability of waiting (Erlang C) and mean queue wait for arrival rate `arrivalRatePerS`,
 * mean service time `serviceTimeS` and `servers` parallel slots (e.g. a Claude concurrency limit).
 * Unstable (a >= c) returns waitProbability 1 and meanWaitS null: the queue grows without bound.
 *
 * @example
 * erlangC(2, 8, 20) // { waitProbability: 0.26, meanWaitS: 0.51, ... } (capacity-methods.md)
 */
export function erlangC(arrivalRatePerS: number, serviceTimeS: number, servers: number): ErlangCResult {
  if (!Number.isInteger(servers) || servers < 1 || !(serviceTimeS > 0) || !(arrivalRatePerS >= 0)) {
    throw new RangeError(
      `erlangC needs servers >= 1 (integer), serviceTimeS > 0 and arrivalRatePerS >= 0; got ${servers}, ${serviceTimeS}, ${arrivalRatePerS}`,
    );
  }
  const a = arrivalRatePerS * serviceTimeS;
  const base = { servers, offeredLoad: a, utilisation: a / servers };
  if (a >= servers) return { ...base, stable: false, waitProbability: 1, meanWaitS: null };
  const b = erlangB(a, servers);
  const c = (servers * b) / (servers - a * (1 - b));
  return { ...base, stable: true, waitProbability: c, meanWaitS: (c * serviceTimeS) / (servers - a) };
}

/**
 * The smallest number of servers with P(wait) below `targetWaitProbability`; null if none up to `maxServers`.
 *
 * @example
 * smallestServersFor(2, 8, 0.05) // 24
 */
export function smallestServersFor(
  arrivalRatePerS: number,
  serviceTimeS: number,
  targetWaitProbability: number,
  maxServers = 10_000,
): number | null {
  const first = Math.max(1, Math.floor(arrivalRatePerS * serviceTimeS) + 1);
  for (let c = first; c <= maxServers; c++) {
    if (erlangC(arrivalRatePerS, serviceTimeS, c).waitProbability < targetWaitProbability) return c;
  }
  return null;
}

/**
 * Little's law L = lambda * W: items in the system from arrival rate and time in system.
 *
 * @example
 * littlesLaw(2, 8) // 16 calls in flight on average
 */
export function littlesLaw(arrivalRatePerS: number, timeInSystemS: number): number {
  return arrivalRatePerS * timeInSystemS;
}

/**
 * Time to drain a burst of `users` simultaneous requests through `servers` slots of `serviceTimeS` each:
 * about U*S/c. A 10:00 burst is not Poisson, so Erlang C does not apply; this bound does.
 *
 * @example
 * burstDrainTimeS(1000, 8, 10) // 800
 */
export function burstDrainTimeS(users: number, serviceTimeS: number, servers: number): number {
  return (users * serviceTimeS) / servers;
}

/** Telegram's broadcast limit, messages per second over all chats. */
export const TELEGRAM_BROADCAST_MSG_PER_S = 30;

/**
 * Lower bound on the slot window for `users` scheduled messages: W >= max(U / 30 msg/s, U*S/c_max),
 * the Telegram broadcast limit or the LLM concurrency limit, whichever binds.
 *
 * @example
 * slotWindowLowerBoundS(1000, 8, 10) // { windowS: 800, bindingLimit: 'llm-concurrency', ... }
 */
export function slotWindowLowerBoundS(
  users: number,
  serviceTimeS: number,
  maxConcurrency: number,
): { windowS: number; telegramS: number; llmS: number; bindingLimit: 'telegram' | 'llm-concurrency' } {
  const telegramS = users / TELEGRAM_BROADCAST_MSG_PER_S;
  const llmS = burstDrainTimeS(users, serviceTimeS, maxConcurrency);
  return {
    windowS: Math.max(telegramS, llmS),
    telegramS,
    llmS,
    bindingLimit: llmS >= telegramS ? 'llm-concurrency' : 'telegram',
  };
}
