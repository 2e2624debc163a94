import { scaleUsage } from '../../contracts/token-usage.ts';
import type { ModelPrice, Pricing } from '../data/pricing.ts';
import { resolveModelPrice } from '../data/pricing.ts';
import { priceUncached, priceUsage } from './price.ts';
import { DIGEST_ROUTE, type UsageProfile } from './profile.ts';
import type { MitigationStep } from './types.ts';

/** The method, in words, that every cost report prints next to the savings. */
export const MITIGATION_METHOD =
  'Baseline = the same measured traffic re-priced as if every call used the big model, with no prompt-cache ' +
  'reads or writes (all input billed as plain input), no Batch API, and one generated digest per delivered ' +
  'digest (digests the content cache served are added back at the measured average digest call). Each saving ' +
  'is one step from that baseline to the actual cost, in this order: digest content cache, model routing, ' +
  'prompt caching, Batch API; the steps add up to baseline - actual, but moving a control earlier or later ' +
  'in the order shifts a little saving between them (routing makes every later saving smaller).';

const LABELS: Record<MitigationStep['id'], string> = {
  'digest-cache': 'Digest content cache (one digest per topic and day)',
  routing: 'Model routing (simple turns to the small model)',
  'prompt-caching': 'Prompt caching of the system prompt',
  batch: 'Batch API for scheduled digests',
};

/**
 * What each cost control saved, as steps from the no-mitigation baseline to the actual cost (see
 * MITIGATION_METHOD). Models missing from the pricing data are left out of every step, as they are of
 * the actual cost, so the steps still add up.
 *
 * @example
 * const m = computeMitigations(profile, pricing, sonnet, monthFactor);
 * m.baselineMonthUsd - m.steps.reduce((s, x) => s + x.savedMonthUsd, 0) === m.actualMonthUsd
 */
export function computeMitigations(
  profile: UsageProfile,
  pricing: Pricing,
  baselinePrice: ModelPrice | undefined,
  monthFactor: number,
): { baselineMonthUsd: number; actualMonthUsd: number; steps: MitigationStep[]; method: string } {
  let actualUsd = 0; // as billed
  let noBatchUsd = 0; // batch discount removed
  let uncachedUsd = 0; // prompt caching removed too
  let bigModelUsd = 0; // routing removed too
  for (const [key, usage] of Object.entries(profile.byModel)) {
    const resolved = resolveModelPrice(pricing, key);
    if (!resolved.price) continue;
    actualUsd += priceUsage(usage, resolved.price, { batch: resolved.batch }).totalUsd;
    noBatchUsd += priceUsage(usage, resolved.price).totalUsd;
    uncachedUsd += priceUncached(usage, resolved.price);
    bigModelUsd += baselinePrice ? priceUncached(usage, baselinePrice) : priceUncached(usage, resolved.price);
  }

  let method = MITIGATION_METHOD;
  let baselineUsd = bigModelUsd;
  const { delivered, generatedCalls } = profile.digests;
  // With the content cache off every delivered digest was generated; a surplus of deliveries over digest
  // calls then comes from calls the bot's metrics missed at the run's edges, not from a cache.
  const servedFromCache = profile.mitigations?.digestCache === false ? 0 : Math.max(0, delivered - generatedCalls);
  const digestUsage = profile.byRoute[DIGEST_ROUTE];
  if (servedFromCache > 0 && digestUsage && generatedCalls > 0) {
    const addedBack = scaleUsage(digestUsage, servedFromCache / generatedCalls);
    if (baselinePrice) baselineUsd += priceUncached(addedBack, baselinePrice);
  } else if (servedFromCache > 0) {
    method += ` The content cache's saving is not computed: ${delivered} digests were delivered but the run recorded no digest-route calls to average.`;
  }
  if (!baselinePrice) method += ' The baseline model has no price, so routing and the content cache are not re-priced.';

  const month = (usd: number) => usd * monthFactor;
  const flags = profile.mitigations;
  const step = (id: MitigationStep['id'], savedUsd: number, enabled: boolean | undefined): MitigationStep => ({
    id,
    label: LABELS[id],
    enabled,
    savedMonthUsd: month(savedUsd),
    savedShare: baselineUsd > 0 ? savedUsd / baselineUsd : 0,
  });
  return {
    baselineMonthUsd: month(baselineUsd),
    actualMonthUsd: month(actualUsd),
    steps: [
      step('digest-cache', baselineUsd - bigModelUsd, flags?.digestCache),
      step('routing', bigModelUsd - uncachedUsd, flags?.routing),
      step('prompt-caching', uncachedUsd - noBatchUsd, flags?.promptCaching),
      step('batch', noBatchUsd - actualUsd, flags?.batchDigests),
    ],
    method,
  };
}
