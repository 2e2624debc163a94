import { describeFault } from '../faults.ts';
import type { ReportDocument } from './document.ts';
import { escapeXml as x } from './escape.ts';
import { formatNumber } from './format.ts';

/**
 * JUnit XML for CI test tabs (GitHub, GitLab, Jenkins): one `<testsuite>` per run, one `<testcase>` per
 * threshold, a `<failure>` carrying the measured value when it failed. A run with no thresholds gives an
 * empty suite rather than an invented test.
 *
 * @example
 * writeFileSync('out/junit.xml', renderJunit(buildReport([result])));
 */
export function renderJunit(doc: ReportDocument): string {
  const total = doc.runs.reduce((n, run) => n + run.thresholds.length, 0);
  const failures = doc.runs.reduce((n, run) => n + run.thresholds.filter((t) => !t.passed).length, 0);
  const suites = doc.runs.map((run) => {
    const failed = run.thresholds.filter((t) => !t.passed).length;
    const classname = `botcap.${run.analysis.scenario}${run.analysis.variant ? `.${run.analysis.variant}` : ''}`;
    const properties = [
      ['scenario', run.analysis.scenario],
      ['variant', run.analysis.variant ?? ''],
      ['status', run.analysis.status],
      ['seed', String(run.facts.seed)],
      ['timeScale', String(run.facts.timeScale)],
      // Faults injected on purpose: a CI reader sees why the figures around them moved.
      ...run.facts.faults.map((f) => ['fault', describeFault(f)]),
    ]
      .map(([name, value]) => `      <property name="${x(name!)}" value="${x(value!)}"/>`)
      .join('\n');
    const cases = run.thresholds.map((t) => {
      const measured = t.value === null ? 'no data' : formatNumber(t.value, 3);
      const name = `${t.metric} ${t.expression}`;
      if (t.passed) return `    <testcase classname="${x(classname)}" name="${x(name)}" time="0"/>`;
      const message = `${t.metric}: ${t.expression} failed, measured ${measured}`;
      return `    <testcase classname="${x(classname)}" name="${x(name)}" time="0">
      <failure message="${x(message)}" type="threshold">${x(`metric: ${t.metric}\nthreshold: ${t.expression}\nmeasured: ${measured}`)}</failure>
    </testcase>`;
    });
    return `  <testsuite name="${x(run.label)}" tests="${run.thresholds.length}" failures="${failed}" errors="0" skipped="0" time="${run.facts.durationRealS}" timestamp="${x(run.facts.startedAt)}">
    <properties>
${properties}
    </properties>
${cases.join('\n')}
  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="${x(doc.title)}" tests="${total}" failures="${failures}" errors="0">
${suites.join('\n')}
</testsuites>
`;
}
