import type { ScenarioInput } from '../schema.ts';
import type { MatrixDefinition, MatrixSize, MatrixVariant } from './types.ts';

/**
 * 1,000 users chose 10:00 - spread them? New users onboard before 10:00 and every one asks for a 10:00
 * digest; the bot's slotting policy decides where they land. Lateness is measured against the slot the bot
 * gave (users moved are counted apart), so "spread" shows as less lateness and more users moved.
 *
 * The load is the onboarding, then quiet: many VUs until shortly before 10:00 (each user's /start flow), then
 * a few browsing users (navigation and settings, no questions) while the digests go out, so the burst
 * competes only with itself for the bot's Claude slots. The first real run kept 200 users asking questions
 * through the burst: their answers filled the Claude bulkhead and the digests, not the slots, decided the
 * result (462 of 500 missing with no slotting).
 *
 * The default holds 60 users (quick too), not 1,000 (issue 11, fidelity first): onboarding is several round
 * trips per user and must finish before 10:00, and 15 onboarding users plus the burst's drain are about what
 * the 2-core lab machine replays faithfully at 1.5x-2x (the committed run; `botcap matrix --list` prints the
 * estimate); the capacity model extrapolates to 1,000 (`botcap plan`). A cap of 30 per slot spreads them over
 * two slots. The browsing users never press pause, resume or a time (behaviour.neverPress, the default): with random
 * presses, 155 of 500 users ended paused and 204 had moved their own time, and their digests, counted as
 * missing, decided the verdict ("No need to spread", the first findings run).
 * Windows: default 09:56-10:06 (unspread, 60 digests through one instance's 10 Claude slots take ~40 s);
 * quick: none and 5-min slots, 60 users onboarding at once, 09:58-10:02:30 at 15x. Quick none's 60 digests
 * drained in 50-53 s (two runs, 2026-12-06), a third of the window. Quick once held 100 users at 30x to 10:02:30:
 * they drained in 82-87 s here and left 2 unsent on a CI machine, so quick now has the margin. Users
 * must finish onboarding before 10:00, or the 10:00 digest is not owed to them (the generator counts it as
 * unexpected).
 */
const SIZES: Record<
  MatrixSize,
  { start: string; onboardingMs: number; burstMs: number; timeScale: number | 'auto'; users: number; vus: number }
> = {
  default: { start: '09:56', onboardingMs: 210_000, burstMs: 6 * 60_000, timeScale: 'auto', users: 60, vus: 15 },
  quick: { start: '09:58', onboardingMs: 90_000, burstMs: 150_000, timeScale: 15, users: 60, vus: 60 },
};

/** Browsing users left during the burst, as a share of the onboarding VUs. */
const BURST_VU_SHARE = 0.1;

/** The ramp from onboarding to the quiet burst, simulated ms. */
const RAMP_DOWN_MS = 30_000;

function base(size: MatrixSize): ScenarioInput {
  const s = SIZES[size];
  const quiet = Math.max(1, Math.round(s.vus * BURST_VU_SHARE));
  return {
    name: 'matrix-slotting',
    description: 'slotting matrix: new users all ask for a 10:00 digest',
    seed: 1,
    timeScale: s.timeScale,
    start: s.start,
    load: {
      executor: 'ramping-vus',
      startVUs: s.vus,
      stages: [
        { duration: s.onboardingMs, target: s.vus },
        { duration: RAMP_DOWN_MS, target: quiet },
        { duration: s.burstMs, target: quiet },
      ],
    },
    population: {
      size: s.users,
      onboarded: false,
      digestTimes: { peak: '10:00', peakShare: 1, spreadFrom: '07:00', spreadTo: '22:00', stepMinutes: 15 },
    },
    behaviour: {
      mix: { navigation: 0.8, question: 0, settings: 0.2, start: 0 },
      thinkTime: { distribution: 'lognormal', median: '5s', p95: '20s' },
    },
    replies: { deadline: '60s' },
    bot: { transport: 'polling', instances: 1 },
    fakes: { claude: { latency: 'realistic', tier: 'start' } },
  };
}

/**
 * Users per slot, for 5- and 15-minute slots alike: half the population at either size, so the cap spreads it
 * over two slots (10:00 and 10:05, or 10:00 and 10:15, after the window: those users' digests are not owed).
 */
const CAP_PER_SLOT = 30;

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
  budgetRealS: { default: 2140, quick: 54 },
  variants: [
    slots('none', 5, CAP_PER_SLOT, true),
    slots('auto', 5, CAP_PER_SLOT, true),
    slots('auto', 15, CAP_PER_SLOT, false),
    slots('offer', 5, CAP_PER_SLOT, false),
    slots('offer', 15, CAP_PER_SLOT, false),
  ],
};
