/**
 * What every started piece of a run (Postgres, PgBouncer, Redis, a child process) gives back: a way to
 * stop it gracefully, a synchronous last resort for a second Ctrl-C, and the local pids the sampler
 * watches.
 */
export interface ComponentHandle {
  /** Short name for logs and errors, e.g. 'postgres', 'pgbouncer', 'bot-1'. */
  readonly name: string;
  /** Local processes this component runs (empty for containers and external servers). */
  pids(): number[];
  /** Graceful stop, then cleanup (temp dirs, run database). Idempotent: later calls return the first call's promise. */
  stop(): Promise<void>;
  /**
   * Synchronous last resort (a second Ctrl-C, or the process is exiting): kill local processes and remove
   * temp dirs without waiting. Containers are left to testcontainers' reaper; an external run database is
   * left behind (its name starts with `botcap_run_`).
   */
  forceStop(): void;
}

/** Makes `stop` idempotent: the first call runs `fn`, later calls share its promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}
