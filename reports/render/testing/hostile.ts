import type { RunResult } from '../../../contracts/run-result.ts';
import { tinyRunResult, tokens } from '../../cost/testing/tiny-run.ts';

/** Strings an attacker (or an unlucky scenario author) could put into a RunResult. */
export const HOSTILE = {
  scenario: '</script><script>alert("scenario")</script>',
  variant: '<img src=x onerror=alert("variant")>',
  errorKind: `"&'<b>bold</b>|pipe\nnewline`,
  metric: 'lost]]><x/>\u0001\u2028',
  model: '<svg onload=alert("model")>',
} as const;

/** A valid RunResult whose every free-text field is hostile, with one passing and one failing threshold. */
export function hostileRunResult(): RunResult {
  const base = tinyRunResult();
  return tinyRunResult({
    scenario: { name: HOSTILE.scenario, resolved: {} },
    variant: HOSTILE.variant,
    correctness: { ...base.correctness, errorsByKind: { [HOSTILE.errorKind]: 3 } },
    claude: {
      ...base.claude,
      byModel: { ...base.claude.byModel, [HOSTILE.model]: tokens({ calls: 1, inputTokens: 10 }) },
      byRoute: { ...base.claude.byRoute, [HOSTILE.errorKind]: tokens({ calls: 1, inputTokens: 10 }) },
    },
    thresholds: [
      { metric: HOSTILE.metric, expression: 'count<1 && "x" <y>', value: 3, passed: false },
      { metric: 'reply_latency', expression: 'p(95)<2000', value: 900, passed: true },
    ],
  });
}
