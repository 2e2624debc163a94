import pg from 'pg';
import type { Clock } from '../common/clock.ts';
import type { FaultEvent, KillTarget } from '../contracts/run-result.ts';
import { POSTGRES_DEFAULTS, type PostgresHandle } from '../environment/index.ts';
import { scenarioUsesMcp } from '../scenarios/fakes.ts';
import type { Scenario } from '../scenarios/schema.ts';
import type { BotFleet } from './bots.ts';
import type { KillAt, RunStage } from './options.ts';

/**
 * The faults a run injects on purpose, scheduled on the shared clock and put on the record (the RunResult's
 * `faults`, then the summary, JUnit and the charts' bands): `--kill-instance-at`, the database's sessions
 * terminated (`--postgres-fault-at`, the scenario's `environment.postgresFaults`), and the fakes' windows of
 * Claude errors and MCP outage (which the fakes play themselves: here they are only recorded).
 */

/** Simulated ms since the load's start of a `KillAt` (a time, or a fraction of the load). */
export function faultAtMs(at: KillAt, durationMs: number): number {
  return 'atMs' in at ? at.atMs : at.fraction * durationMs;
}

export interface FaultPlan {
  scenario: Scenario;
  /** The load's simulated length, for fractions. */
  durationMs: number;
  killInstanceAt: KillAt | undefined;
  /** What the kill hits (default the last bot instance). */
  killTarget?: KillTarget;
  /** When to terminate the run database's sessions, besides the scenario's. */
  postgresFaultAt: readonly KillAt[];
}

export interface FaultParts {
  clock: Clock;
  fleet: BotFleet;
  postgres: PostgresHandle;
  onStage: ((stage: RunStage) => void) | undefined;
}

export interface FaultSchedule {
  /** What was injected so far, in time order. */
  events(): FaultEvent[];
  /** Cancels what has not fired yet. */
  stop(): void;
}

/**
 * Arms every fault of the run from now (the load's start) and records each as it fires; the fakes' windows
 * are recorded at once, from the scenario.
 *
 * @example
 * const faults = scheduleFaults(plan, { clock, fleet, postgres: env.postgres, onStage });
 * // ... the load ...
 * result.faults = faults.events();
 */
export function scheduleFaults(plan: FaultPlan, parts: FaultParts): FaultSchedule {
  const events: FaultEvent[] = [...windowEvents(plan.scenario)];
  const timers: NodeJS.Timeout[] = [];
  const at = (atMs: number, fire: () => Promise<void>) => {
    timers.push(setTimeout(() => void fire().catch(() => undefined), parts.clock.toRealMs(atMs)));
  };
  if (plan.killInstanceAt !== undefined) {
    const atMs = faultAtMs(plan.killInstanceAt, plan.durationMs);
    at(atMs, async () => {
      const name = await parts.fleet.killOne(plan.killTarget);
      if (name === undefined) return;
      events.push({ kind: 'instance-killed', target: name, fromMs: atMs, toMs: atMs, detail: 'SIGKILL' });
      parts.onStage?.({ type: 'instance-killed', name, atMs });
    });
  }
  const terminations = [
    ...plan.scenario.environment.postgresFaults.map((fault) => fault.at),
    ...plan.postgresFaultAt.map((when) => faultAtMs(when, plan.durationMs)),
  ];
  for (const atMs of terminations) {
    at(atMs, async () => {
      const count = await terminateRunSessions(parts.postgres);
      const detail = `${count} session${count === 1 ? '' : 's'} of database ${parts.postgres.database} terminated`;
      events.push({ kind: 'postgres-sessions-terminated', target: 'postgres', fromMs: atMs, toMs: atMs, detail });
      parts.onStage?.({ type: 'fault', detail: `postgres: ${detail}`, atMs });
    });
  }
  return {
    events: () => [...events].sort((a, b) => a.fromMs - b.fromMs),
    stop: () => {
      for (const timer of timers) clearTimeout(timer);
    },
  };
}

/**
 * `pg_terminate_backend` on every session of the run database but botcap's own (the sampler's): what a
 * failover, a restart or an operator's kill does to a bot's connections, on any server - embedded, docker or
 * `--database-url` (where the given user needs the right to signal the bot's sessions). Returns how many.
 */
export async function terminateRunSessions(postgres: PostgresHandle): Promise<number> {
  const client = new pg.Client({
    connectionString: postgres.adminUrl,
    application_name: POSTGRES_DEFAULTS.applicationName,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ terminated: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS terminated
         FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> $2`,
      [postgres.database, POSTGRES_DEFAULTS.applicationName],
    );
    return rows[0]?.terminated ?? 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The fakes' fault windows of the scenario, as events (relative to the load's start, as written). */
function windowEvents(scenario: Scenario): FaultEvent[] {
  const claude = scenario.fakes.claude.faults.map(
    (fault): FaultEvent => ({
      kind: 'claude-errors',
      target: 'claude',
      fromMs: fault.from,
      toMs: fault.to,
      detail: `${fault.kind} for ${Math.round(fault.rate * 100)}% of calls${fault.models ? ` to ${fault.models.join(', ')}` : ''}`,
    }),
  );
  // A server the bot does not use has no outage worth recording.
  const mcp = scenarioUsesMcp(scenario)
    ? scenario.fakes.mcp.faults.map(
        (fault): FaultEvent => ({
          kind: 'mcp-outage',
          target: 'mcp',
          fromMs: fault.from,
          toMs: fault.to,
          detail: `${fault.kind} for ${Math.round(fault.rate * 100)}% of requests`,
        }),
      )
    : [];
  return [...claude, ...mcp];
}
