import { escapeXml as x } from '../render/escape.ts';
import { formatBudgetValues, formatChange, formatFigure } from './format.ts';
import { FAILING_STATUSES, type RegressionReport } from './types.ts';

/**
 * JUnit XML for CI test tabs: one `<testcase>` per compared figure (a `<failure>` when it regressed or had
 * no data, its explanation in `<system-out>` either way), and the candidate's budgets in a second suite.
 *
 * @example
 * writeFileSync('junit.xml', renderRegressionJunit(report));
 */
export function renderRegressionJunit(report: RegressionReport): string {
  const classname = `botcap.regression.${report.scenario}`;
  const figureCases = report.figures.map((f) => {
    const failed = FAILING_STATUSES.includes(f.status);
    const measured = `baseline ${formatFigure(f.baseline, f.unit)}, candidate ${formatFigure(f.candidate, f.unit)}, change ${formatChange(f)}, allowed ${f.allowance}`;
    const failure = failed
      ? `\n      <failure message="${x(`${f.label}: ${f.status === 'no-data' ? 'no data' : `regressed ${formatChange(f)}`}`)}" type="regression">${x(`${measured}\n${f.explanation}`)}</failure>`
      : '';
    return `    <testcase classname="${x(classname)}" name="${x(f.check)}" time="0">${failure}
      <system-out>${x(`${f.status}: ${measured}. ${f.explanation}`)}</system-out>
    </testcase>`;
  });
  const figureFailures = report.figures.filter((f) => FAILING_STATUSES.includes(f.status)).length;
  const suites = [
    `  <testsuite name="${x(`regression against the baseline: ${report.scenario}`)}" tests="${report.figures.length}" failures="${figureFailures}" errors="0" skipped="0" time="0">
    <properties>
${properties(report)}
    </properties>
${figureCases.join('\n')}
  </testsuite>`,
  ];
  const budgetFailures = report.budgets.filter((b) => !b.passed).length;
  if (report.budgets.length > 0) {
    const cases = report.budgets.map((b) => {
      const values = formatBudgetValues(b);
      const failure = b.passed
        ? ''
        : `\n      <failure message="${x(`${b.metric}: ${b.expression} failed, measured ${values}`)}" type="threshold">${x(`measured in each candidate run: ${values}`)}</failure>\n    `;
      return `    <testcase classname="${x(`botcap.budgets.${report.scenario}`)}" name="${x(`${b.metric} ${b.expression}`)}" time="0">${failure}</testcase>`;
    });
    suites.push(`  <testsuite name="${x(`budgets (${report.budgetsFrom ?? ''})`)}" tests="${report.budgets.length}" failures="${budgetFailures}" errors="0" skipped="0" time="0">
${cases.join('\n')}
  </testsuite>`);
  }
  const tests = report.figures.length + report.budgets.length;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="${x(`botcap regression: ${report.scenario}`)}" tests="${tests}" failures="${figureFailures + budgetFailures}" errors="0">
${suites.join('\n')}
</testsuites>
`;
}

function properties(report: RegressionReport): string {
  return [
    ['scenario', report.scenario],
    ['verdict', report.verdict.status],
    ['confidence', String(report.confidence)],
    ['baselineRuns', String(report.baseline.runs)],
    ['candidateRuns', String(report.candidate.runs)],
    ['baselineSeeds', report.baseline.seeds.join(',')],
    ['candidateSeeds', report.candidate.seeds.join(',')],
  ]
    .map(([name, value]) => `      <property name="${x(name!)}" value="${x(value!)}"/>`)
    .join('\n');
}
