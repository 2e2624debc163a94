import pg from 'pg';
import type { Clock } from '../common/clock.ts';
import type { FaultEvent, KillTarget } from '../contracts/run-result.ts';
import { POSTGRES_DEFAULTS, type PostgresHandle } from '../environment/index.ts';
import { scenarioUsesMcp } from '../scenarios/fakes.ts';
import type { PostgresFaultMode, Scenario } from '../scenarios/schema.ts';
import type { BotFleet } from './bots.ts';
import type { NetworkFaultProxy } from './network-fault-proxy.ts';
import type { KillAt, RunStage } from './options.ts';

/**
 * The faults a run injects on purpose, scheduled on the shared clock and put on the record (the RunResult's
 * `faults`, then the summary, JUnit and the charts' bands): `--kill-instance-at`, the database's sessions
 * terminated or the server restarted (`--postgres-fault-at`, the scenario's `environment.postgresFaults`), the
 * network to it delayed or partitioned (`--network-fault`, `environment.networkFaults`), and the fakes' windows of
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
  /** When to fault the database, besides the scenario's. */
  postgresFaultAt: readonly KillAt[];
  /** What a `postgresFaultAt` fault does, and for a restart how long (simulated ms) the server stays down. */
  postgresFault: { mode: PostgresFaultMode; downMs: number };
}

export interface FaultParts {
  clock: Clock;
  fleet: BotFleet;
  postgres: PostgresHandle;
  /** The proxy between the bots and PostgreSQL, when the scenario has network faults. */
  network: NetworkFaultProxy | undefined;
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
  const databaseFaults = [
    ...plan.scenario.environment.postgresFaults.map((fault) => ({ ...fault, downMs: fault.down })),
    ...plan.postgresFaultAt.map((when) => ({ at: faultAtMs(when, plan.durationMs), ...plan.postgresFault })),
  ];
  for (const fault of databaseFaults) {
    at(fault.at, async () => {
      const event = await injectDatabaseFault(parts, fault.mode, fault.downMs);
      const fromMs = fault.at;
      const toMs = fromMs + event.tookSimulatedMs;
      events.push({ kind: event.kind, target: 'postgres', fromMs, toMs, detail: event.detail });
      parts.onStage?.({ type: 'fault', detail: `postgres: ${event.detail}`, atMs: fromMs });
    });
  }
  const network = parts.network;
  for (const fault of plan.scenario.environment.networkFaults) {
    if (network === undefined) break;
    at(fault.from, async () => {
      let detail: string;
      if (fault.kind === 'delay') {
        network.setDelay(parts.clock.toRealMs(fault.delay));
        detail = `+${fault.delay} ms each way on the bots' connections to PostgreSQL`;
      } else {
        const reset = network.setPartitioned(true);
        detail = `the bots' connections to PostgreSQL cut (${reset} reset) and new ones refused`;
      }
      const kind = fault.kind === 'delay' ? 'network-delay' : 'network-partition';
      events.push({ kind, target: fault.target, fromMs: fault.from, toMs: fault.to, detail });
      parts.onStage?.({ type: 'fault', detail: `${fault.target}: ${detail}`, atMs: fault.from });
    });
    at(fault.to, async () => {
      if (fault.kind === 'delay') network.setDelay(0);
      else network.setPartitioned(false);
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
 * One database fault: a restart where botcap owns the server (the event spans the shutdown to accepting
 * connections again), otherwise - and for `terminate` - the run database's sessions terminated.
 */
async function injectDatabaseFault(
  parts: FaultParts,
  mode: PostgresFaultMode,
  downMs: number,
): Promise<{ kind: FaultEvent['kind']; detail: string; tookSimulatedMs: number }> {
  const startedMs = parts.clock.monotonicMs();
  const took = () => Math.max(0, Math.round(parts.clock.monotonicMs() - startedMs));
  if (mode === 'restart' && parts.postgres.restart !== undefined) {
    // A restart that fails is on the record too: the run's errors that follow are its cost.
    const done = await parts.postgres
      .restart(parts.clock.toRealMs(downMs))
      .catch((error: unknown) => `the restart failed: ${error instanceof Error ? error.message : String(error)}`);
    return { kind: 'postgres-restarted', detail: done, tookSimulatedMs: took() };
  }
  const count = await terminateRunSessions(parts.postgres);
  const sessions = `${count} session${count === 1 ? '' : 's'} of database ${parts.postgres.database} terminated`;
  // botcap cannot restart a server it does not own: what it did instead is on the record.
  const detail = mode === 'restart' ? `${sessions} (an external server is not restarted by botcap)` : sessions;
  return { kind: 'postgres-sessions-terminated', detail, tookSimulatedMs: 0 };
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
