/**
 * Environment orchestration: the real components of a run and their teardown.
 *
 * @example
 * import { Environment } from './environment/index.ts';
 * const env = await Environment.start({ maxConnections: 100, pgbouncer: true });
 * try { ... } finally { await env.stop(); }
 */
export {
  BOT_CONTRACT_DEFAULTS,
  type BotEnv,
  type BotEnvInput,
  botCommandSpec,
  botEnvironment,
  botSecrets,
} from './bot-env.ts';
export type { ComponentHandle } from './component.ts';
export {
  checkEnvironment,
  ENVIRONMENT_DEFAULTS,
  Environment,
  type EnvironmentEvent,
  type EnvironmentOptions,
} from './environment.ts';
export {
  findPgBouncer,
  PGBOUNCER_DEFAULTS,
  type PgBouncerHandle,
  type PgBouncerOptions,
  type PoolMode,
  pgBouncerIni,
  startPgBouncer,
} from './pgbouncer.ts';
export {
  attachExternalPostgres,
  dropRunDatabase,
  POSTGRES_DEFAULTS,
  type PostgresHandle,
  type PostgresOptions,
  type PostgresRuntime,
  startPostgres,
} from './postgres.ts';
export { pingRedis, REDIS_DEFAULTS, type RedisHandle, type RedisOptions, startRedis } from './redis.ts';
export {
  describeLeftDatabases,
  describeReap,
  findDeadRuns,
  type ReapReport,
  RUN_REGISTRY_DEFAULTS,
  type RunResource,
  reapDeadRuns,
  reapedAnything,
  runRegistryDir,
} from './run-registry.ts';
export {
  canConnect,
  type ExitInfo,
  httpOk,
  type ManagedProcess,
  type ProcessSpec,
  type ReadyCheck,
  SUPERVISOR_DEFAULTS,
  Supervisor,
  startProcess,
} from './supervisor.ts';
export { EnvironmentStopped, freePort, isAlive, waitFor } from './util.ts';
