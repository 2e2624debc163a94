import type { ScenarioInput } from '../schema.ts';
import type { MatrixDefinition, MatrixSize, MatrixVariant } from './types.ts';

/**
 * 1,000 users chose 10:00 - spread them? New users onboard before 10:00 and every one asks for a 10:00
 * digest; the bot's slotting policy decides where they land. Lateness is measured against the slot the bot
 * gave (users moved are counted apart), so "spread" shows as less lateness and more users moved.
 *
 * The wall-time budget holds 500 users (quick 100), not 1,000: onboarding is several round trips per user
 * and must finish before 10:00, and above ~30x the bots' real reply time passes the reply deadline (a run at
 * 90x onboarded nobody). A cap of 50 per 5-minute slot still spreads 500 users over 10 slots.
 * Budget (real s, 2 cores): default 09:52-10:12 at 30x = 40 s of load, four variants ~ 212 s;
 * quick: none and 5-min slots cap 50, 100 users, 09:57-10:01:30 at 30x ~ 45 s. Users must finish onboarding
 * before 10:00, or the 10:00 digest is not owed to them (the generator counts it as unexpected).
 */
const SIZES: Record<MatrixSize, { start: string; durationMs: number; timeScale: number; users: number; vus: number }> =
  {
    default: { start: '09:52', durationMs: 20 * 60_000, timeScale: 30, users: 500, vus: 200 },
    quick: { start: '09:57', durationMs: 4.5 * 60_000, timeScale: 30, users: 100, vus: 100 },
  };

function base(size: MatrixSize): ScenarioInput {
  const s = SIZES[size];
  return {
    name: 'matrix-slotting',
    description: 'slotting matrix: new users all ask for a 10:00 digest',
    seed: 1,
    timeScale: s.timeScale,
    start: s.start,
    load: { executor: 'constant-vus', vus: s.vus, duration: s.durationMs },
    population: {
      size: s.users,
      onboarded: false,
      digestTimes: { peak: '10:00', peakShare: 1, spreadFrom: '07:00', spreadTo: '22:00', stepMinutes: 15 },
    },
    behaviour: {
      mix: { navigation: 0.6, question: 0.2, settings: 0.2, start: 0 },
      thinkTime: { distribution: 'lognormal', median: '5s', p95: '20s' },
    },
    replies: { deadline: '60s' },
    bot: { transport: 'polling', instances: 1 },
    fakes: { claude: { latency: 'realistic', tier: 'start' } },
  };
}

function slots(
  mode: 'none' | 'offer' | 'auto',
  slotMinutes: number,
  capPerSlot: number,
  quick: boolean,
): MatrixVariant {
  return {
    label: mode === 'none' ? 'none' : `${slotMinutes}-min slots, cap ${capPerSlot}, ${mode}`,
    patch: { bot: { config: { slotting: { mode, slotMinutes, capPerSlot } } } },
    quick,
  };
}

export const slotting: MatrixDefinition = {
  name: 'slotting',
  question: '1,000 users chose 10:00 - spread them?',
  base,
  budgetRealS: { default: 215, quick: 45 },
  variants: [
    slots('none', 5, 50, true),
    slots('auto', 5, 50, true),
    slots('auto', 15, 150, false),
    slots('offer', 5, 50, false),
  ],
};
