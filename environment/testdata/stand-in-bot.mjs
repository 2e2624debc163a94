// A stand-in for a bot instance in supervisor and environment tests: /healthz, /metrics (Prometheus
// text), a "listening on <port>" line, and knobs to misbehave. Plain JS so it starts without tsx.
//   --port N          listen on N (default: PORT env, else 0)
//   --grandchild      spawn a child that runs until killed (checks that process groups reach it)
//   --ignore-term     ignore SIGTERM (checks the SIGKILL after the grace period)
//   --exit-early      exit 3 before listening (checks "exited before ready")
//   --print-env       print BOT_TOKEN and DATABASE_URL (checks log redaction)
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

const args = process.argv.slice(2);
const has = (flag) => args.includes(flag);
const optionValue = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

if (has('--exit-early')) {
  console.error('cannot start: configuration missing');
  process.exit(3);
}
if (has('--ignore-term')) process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
if (has('--print-env')) console.log(`token=${process.env.BOT_TOKEN} db=${process.env.DATABASE_URL}`);
if (has('--grandchild')) {
  const child = spawn(process.execPath, ['-e', 'process.on("SIGTERM",()=>{}); setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
  });
  console.log(`grandchild ${child.pid}`);
}

let updates = 0;
const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.end('ok');
    return;
  }
  if (req.url === '/metrics') {
    updates += 1;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      [
        '# HELP bot_updates_total Updates handled.',
        '# TYPE bot_updates_total counter',
        `bot_updates_total{transport="polling"} ${updates}`,
        '# HELP bot_db_connection_errors_total Connection errors by SQLSTATE.',
        '# TYPE bot_db_connection_errors_total counter',
        'bot_db_connection_errors_total{sqlstate="53300"} 2',
        '# TYPE bot_db_pool_waiting gauge',
        'bot_db_pool_waiting 1',
        '',
      ].join('\n'),
    );
    return;
  }
  res.statusCode = 404;
  res.end();
});
server.listen(Number(optionValue('--port') ?? process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
