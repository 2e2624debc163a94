import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScaledClock } from '../common/clock.ts';
import { type PostgresHandle, startPostgres } from '../environment/postgres.ts';
import { canConnect } from '../environment/supervisor.ts';
import { waitFor } from '../environment/util.ts';
import { parseScenario } from '../scenarios/validate.ts';
import type { BotFleet } from './bots.ts';
import { scheduleFaults } from './faults.ts';

/**
 * `restart` on a server botcap does not own (`--database-url`): it cannot stop that server, so it terminates the
 * run database's sessions, and the record says which was done.
 */

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const localAnswers = await canConnect(5432);

describe.skipIf(!localAnswers)('a restart fault on an external server (the machine PostgreSQL on 5432)', () => {
  let db: PostgresHandle;
  beforeAll(async () => {
    db = await startPostgres({ runtime: 'url', databaseUrl: LOCAL_URL });
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('terminates the sessions instead, and says a restart was not possible', async () => {
    const bot = new pg.Client({ connectionString: db.url });
    const ended = new Promise<string | undefined>((resolve) =>
      bot.on('error', (error: Error & { code?: string }) => resolve(error.code)),
    );
    await bot.connect();
    const scenario = parseScenario({
      name: 'restart-external',
      load: { executor: 'constant-vus', vus: 1, duration: '10s' },
      environment: { postgresFaults: [{ at: '1s', mode: 'restart', down: '5s' }] },
    });
    const clock = createScaledClock({ timeScale: 10 });
    const schedule = scheduleFaults(
      {
        scenario,
        durationMs: 10_000,
        killInstanceAt: undefined,
        postgresFaultAt: [],
        postgresFault: { mode: 'terminate', downMs: 0 },
      },
      { clock, fleet: {} as BotFleet, postgres: db, network: undefined, onStage: undefined },
    );
    await waitFor('the fault to fire', async () => schedule.events().length > 0, { timeoutMs: 5_000 });
    const events = schedule.events();
    schedule.stop();
    expect(events).toEqual([
      {
        kind: 'postgres-sessions-terminated',
        target: 'postgres',
        fromMs: 1_000,
        toMs: 1_000,
        detail: `1 session of database ${db.database} terminated (an external server is not restarted by botcap)`,
      },
    ]);
    expect(await ended).toBe('57P01');
    await bot.end().catch(() => undefined);
  });
});
