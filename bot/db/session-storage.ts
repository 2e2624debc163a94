import type { StorageAdapter } from 'grammy';
import type pg from 'pg';

/**
 * grammY session storage in the `sessions` table, over the instance's pool.
 *
 * Why not `@grammyjs/storage-psql`: its `PsqlAdapter.create({ client })` would accept a Pool (it only
 * calls `client.query`), but it creates its table at runtime with `CREATE TABLE IF NOT EXISTS`
 * (outside our migrations, and racy when several instances start at once), stores the value as TEXT
 * and keeps no `updated_at`, so stale sessions cannot be found. These twenty lines do what we need.
 *
 * @example
 * bot.use(session({ initial: () => ({ step: 'idle' }), storage: new PostgresSessionStorage(pool) }));
 */
export class PostgresSessionStorage<T> implements StorageAdapter<T> {
  /** Each session object this storage read, as the JSON it was read as: what "unchanged" means at write. */
  private readonly readAs = new WeakMap<object, string>();

  constructor(private readonly pool: pg.Pool) {}

  async read(key: string): Promise<T | undefined> {
    const { rows } = await this.pool.query<{ value: T }>('SELECT value FROM sessions WHERE key = $1', [key]);
    const value = rows[0]?.value;
    if (typeof value === 'object' && value !== null) this.readAs.set(value, JSON.stringify(value));
    return value;
  }

  async write(key: string, value: T): Promise<void> {
    const json = JSON.stringify(value);
    // grammY writes back every session a handler looked at, changed or not. A session written back as it was
    // read is not sent at all: one round trip fewer on most updates (a button press rarely changes the
    // step), and no stale copy over what another instance wrote meanwhile.
    if (typeof value === 'object' && value !== null && this.readAs.get(value) === json) return;
    // The WHERE turns a write of the stored value into a no-op instead of a new row version (less vacuum work).
    await this.pool.query(
      `INSERT INTO sessions (key, value) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
       WHERE sessions.value IS DISTINCT FROM EXCLUDED.value`,
      [key, json],
    );
  }

  async delete(key: string): Promise<void> {
    await this.pool.query('DELETE FROM sessions WHERE key = $1', [key]);
  }
}
