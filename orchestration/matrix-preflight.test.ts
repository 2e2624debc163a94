import { describe, expect, it } from 'vitest';
import { preflight } from '../bot/config/preflight.ts';
import { listMatrices, variantScenario, variantsFor } from '../scenarios/matrices/index.ts';
import { resolveBotConfig } from './bot-config.ts';
import { RUN_SCENARIO_DEFAULTS } from './options.ts';

/**
 * Every matrix variant's reference bot must pass its own start-up checks at every time scale it may run at,
 * or each of its runs fails while the bots start (the scheduler matrix's 180 s Claude timeout, tuned for 20x,
 * stopped every default run once `auto` chose 1.5x-2x). `auto` may fall back to 1x, the scale where a
 * simulated timeout takes longest in real time, so that is the one checked.
 */
const FAKE_URL = 'http://127.0.0.1:8081';

describe('the matrices start their bots', () => {
  for (const matrix of listMatrices()) {
    for (const size of ['default', 'quick'] as const) {
      it(`${matrix.name} (${size}): every variant's bot config passes preflight`, () => {
        for (const variant of variantsFor(matrix, size)) {
          const scenario = variantScenario(matrix, variant, size);
          const config = resolveBotConfig(scenario);
          const timeScale = scenario.timeScale === 'auto' ? 1 : scenario.timeScale;
          // As the fleet starts them: pointed at the fakes, with the run's webhook secret.
          const { errors } = preflight({
            ...config,
            time: { ...config.time, timeScale },
            telegram: { ...config.telegram, apiRoot: FAKE_URL, webhookSecret: RUN_SCENARIO_DEFAULTS.webhookSecret },
            claude: { ...config.claude, baseUrl: FAKE_URL },
          });
          expect(errors, `${variant.label} at ${timeScale}x`).toEqual([]);
        }
      });
    }
  }
});
