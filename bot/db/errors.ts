/**
 * Sorting database failures into the few kinds an operator acts on. The SQLSTATE is the stable
 * part of a PostgreSQL error (messages are translated and reworded between versions); errors
 * that never reached the server (pool wait timeout, refused socket) get a code of their own.
 */

/** The label a database error is counted under: a SQLSTATE, `pool_timeout`, or a socket error code. */
export type DbErrorCode = string;

export interface ClassifiedDbError {
  code: DbErrorCode;
  /** Getting a connection failed (server full, pool exhausted, server gone), as opposed to a query failing. */
  connection: boolean;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
// 08xxx connection exception, 28xxx invalid authorization, 3D000 no such database,
// 53300 too_many_connections, 57P01-57P03 server shutting down or starting up.
const CONNECTION_SQLSTATE = /^(08...|28...|3D000|53300|57P0[1-3])$/;

/**
 * Classifies a thrown value from `pg` or `pg-pool`.
 *
 * @example
 * classifyDbError(Object.assign(new Error('sorry, too many clients already'), { code: '53300' }))
 * // { code: '53300', connection: true }
 */
export function classifyDbError(error: unknown): ClassifiedDbError | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string' && SQLSTATE.test(code)) {
    return { code, connection: CONNECTION_SQLSTATE.test(code) };
  }
  // pg-pool's own message when connectionTimeoutMillis passes while every connection is busy.
  if (/timeout exceeded when trying to connect/i.test(error.message)) return { code: 'pool_timeout', connection: true };
  if (/Connection terminated/i.test(error.message)) return { code: 'connection_terminated', connection: true };
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return { code, connection: true };
  return undefined;
}
