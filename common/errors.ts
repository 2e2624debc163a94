/**
 * Typed errors that keep causes apart and say what to do. Each carries a `name` so a caller (and a
 * log line) can tell a bad config from a missing component without parsing messages.
 */

/** A configuration value is wrong: the message names the field, the value and the fix. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A scenario file or override is invalid. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** A component the run needs is missing or failed to start (Postgres, PgBouncer, Redis, Docker, a bot). */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

/** A RunResult or data file cannot be read or does not match its schema. */
export class ResultError extends Error {
  override name = 'ResultError';
}
