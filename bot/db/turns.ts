import type pg from 'pg';

/** One message of the conversation, as the assistant receives it. */
export interface StoredTurn {
  role: 'user' | 'assistant';
  text: string;
}

/**
 * The `turns` table: the conversation context that makes an answer follow the previous ones.
 * Kept in Postgres, not in memory, so the next message may land on any instance.
 *
 * @example
 * const turns = new TurnStore(pool);
 * const history = await turns.lastTurns(42, 6); // oldest first
 * await turns.append(42, [{ role: 'user', text: 'hi' }, { role: 'assistant', text: 'hello' }], clock.nowMs());
 */
export class TurnStore {
  constructor(private readonly pool: pg.Pool) {}

  /** The user's last `count` turns, oldest first (the order a model reads a conversation in). */
  async lastTurns(userId: number, count: number): Promise<StoredTurn[]> {
    if (count === 0) return [];
    // Newest first through the (user_id, id DESC) index, then reversed in SQL.
    const { rows } = await this.pool.query<StoredTurn>(
      `SELECT role, text FROM (
         SELECT id, role, text FROM turns WHERE user_id = $1 ORDER BY id DESC LIMIT $2
       ) recent ORDER BY id`,
      [userId, count],
    );
    return rows;
  }

  /** Stores a question and its answer in one statement (one round trip, both or neither). */
  async append(userId: number, turns: readonly StoredTurn[], nowMs: number): Promise<void> {
    if (turns.length === 0) return;
    const values: unknown[] = [userId, new Date(nowMs)];
    const tuples = turns.map((turn) => {
      values.push(turn.role, turn.text);
      return `($1, $${values.length - 1}, $${values.length}, $2)`;
    });
    await this.pool.query(`INSERT INTO turns (user_id, role, text, created_at) VALUES ${tuples.join(', ')}`, values);
  }
}
