/**
 * Runs the fake on its own: `npx tsx fakes/claude/serve.ts --port 8082 --time-scale 1 --latency zero --tier tier-1`.
 * Prints the root URL on stdout (point an SDK's `base_url` at it); stops on SIGINT/SIGTERM.
 * The `botcap fakes` command is the usual way; this is for a quick look or another language's harness.
 */
import { parseArgs } from 'node:util';
import { FAKE_CLAUDE_DEFAULTS, type LatencySetting, startFakeClaude, type TierSetting } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: String(FAKE_CLAUDE_DEFAULTS.port) },
    seed: { type: 'string', default: String(FAKE_CLAUDE_DEFAULTS.seed) },
    'time-scale': { type: 'string', default: String(FAKE_CLAUDE_DEFAULTS.timeScale) },
    latency: { type: 'string', default: FAKE_CLAUDE_DEFAULTS.latency },
    tier: { type: 'string', default: FAKE_CLAUDE_DEFAULTS.tier },
  },
});

const fake = await startFakeClaude({
  port: Number(values.port),
  seed: Number(values.seed),
  timeScale: Number(values['time-scale']),
  // Validated by startFakeClaude, which names the option and the fix when a value is wrong.
  latency: values.latency as LatencySetting,
  tier: values.tier as TierSetting,
});
process.stdout.write(`${fake.url}\n`);
const stop = () => void fake.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
