// Builds an Environment (embedded Postgres, PgBouncer when installed, one stand-in bot) and reports
// each step as a JSON line on stdout, so environment.test.ts can send SIGINT at any phase and then
// check that nothing outlived it. Arguments: 'pgbouncer' to include PgBouncer, 'crash' to die uncaught.
import { fileURLToPath } from 'node:url';
import { Environment } from '../environment.ts';
import { EnvironmentStopped, freePort } from '../util.ts';

const report = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
// Runs until a signal; the interval keeps the event loop alive like a load run would.
setInterval(() => undefined, 1_000);
try {
  const env = await Environment.start({
    maxConnections: 20,
    pgbouncer: process.argv.includes('pgbouncer'),
    onEvent: report,
  });
  const port = await freePort();
  await env.startProcess({
    name: 'bot-1',
    command: process.execPath,
    args: [fileURLToPath(new URL('./stand-in-bot.mjs', import.meta.url)), '--port', String(port), '--grandchild'],
    env: { DATABASE_URL: env.databaseUrl },
    ready: { kind: 'http', url: `http://127.0.0.1:${port}/healthz` },
    // The grandchild ignores SIGTERM; a short grace keeps the test fast (the escalation is what it checks).
    stopGraceMs: 500,
  });
  report({ type: 'running', processes: env.processes() });
  // 'crash': die of an uncaught exception without any teardown; the exit hooks must still clean up.
  if (process.argv.includes('crash')) {
    setTimeout(() => {
      throw new Error('simulated crash');
    }, 10);
  }
} catch (error) {
  // Interrupted by the signal: the Environment's handler finishes the teardown and exits with 130.
  if (!(error instanceof EnvironmentStopped)) throw error;
}
