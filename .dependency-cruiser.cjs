// The architecture, as rules `npm test` checks before any test runs (npm run deps).
//
// The arrows run one way:
//   cli -> orchestration -> { environment, loadgen, fakes, the bot's edges } and reports -> contracts
// contracts/ (RunResult, thresholds, token usage, histograms, series and matrix names, transports, the
// version) and common/ import nothing of the lab; bot/ and fakes/ are the system under test and its
// stand-ins, usable without the lab; scenarios/ are data typed by their owners; reports/ are pure functions
// of RunResults. Test files may reach across (a bot test needs the fakes); production files may not.
// Each rule says why it exists; a violation names the rule, the file and the import.

/** Test files and test support: they may import across the folders, and nothing in production imports them. */
const TESTS = '(\\.test\\.ts$|^testing/|/testing/|/testing\\.ts$)';

/** The repository's top-level source folders. */
const FOLDERS = [
  'bench',
  'bot',
  'cli',
  'common',
  'contracts',
  'environment',
  'fakes',
  'loadgen',
  'model',
  'orchestration',
  'reports',
  'scenarios',
  'testing',
];

/**
 * A rule: production files in `folder` import only `allowed` folders (besides their own and packages).
 *
 * @param {string} folder
 * @param {string[]} allowed
 * @param {string} name
 * @param {string} comment why
 * @returns {import('dependency-cruiser').IForbiddenRuleType}
 */
function importsOnly(folder, allowed, name, comment) {
  const forbidden = FOLDERS.filter((other) => other !== folder && !allowed.includes(other));
  return {
    name,
    comment,
    severity: 'error',
    from: { path: `^${folder}/`, pathNot: TESTS },
    to: { path: `^(${forbidden.join('|')})/` },
  };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    importsOnly(
      'contracts',
      ['common'],
      'contracts-import-nothing-of-the-lab',
      "contracts/ holds the shapes every part shares. If it imported a part, that part would become everyone's " +
        'dependency and the arrows would loop (reports needed scenarios while scenarios needed reports).',
    ),
    importsOnly(
      'common',
      [],
      'common-imports-only-common',
      'common/ (clock, errors, redaction, paths, validation messages, probes) is what every folder may use, so ' +
        'it can use none of them without making a cycle.',
    ),
    importsOnly(
      'bot',
      ['common', 'contracts'],
      'bot-knows-nothing-of-the-lab',
      'The reference bot is a readable example and the system under test: it must run and be read without botcap ' +
        'around it (contracts/ gives it only the transport names it shares with the lab).',
    ),
    importsOnly(
      'fakes',
      ['common'],
      'fakes-know-nothing-of-the-lab',
      'The fakes stand in for Telegram, Claude and MCP for any bot in any language (botcap fakes): they follow ' +
        'the real APIs, not the lab.',
    ),
    importsOnly(
      'reports',
      ['common', 'contracts', 'scenarios'],
      'reports-read-only-results',
      'Reports are pure functions of RunResults: they never reach into how a run was made, so a result file from ' +
        'any botcap version or generator renders the same. They may read scenarios/ (data, which never imports ' +
        "reports): a run's day model and behaviour are scenario fields whose defaults live there.",
    ),
    importsOnly(
      'model',
      ['common', 'contracts', 'scenarios', 'loadgen', 'reports', 'fakes', 'bot'],
      'model-predicts-from-parts-below-it',
      'The capacity model (demands, MVA, simulation, plan, calibrate) reads results and scenarios, reuses the ' +
        "generator's pure pieces (population draws, series builder), the fake Claude's latency and tier models " +
        "(a prediction must wait as the replay does), the bot's config schema and the reports' analysis and pricing, and " +
        'writes predictions as RunResults; it never starts a run, so runs, reports and the bot never depend on it.',
    ),
    importsOnly(
      'scenarios',
      ['common', 'contracts', 'bot', 'fakes'],
      'scenarios-are-data',
      "A scenario or a matrix is data typed by its owners (the bot's config, the fakes' options, contracts); " +
        "running it is the orchestration's job and judging it the reports'.",
    ),
    {
      name: 'scenarios-read-only-the-bot-config',
      comment:
        "A scenario sets the reference bot's knobs: it types them by the bot's config schema and nothing else of the bot.",
      severity: 'error',
      from: { path: '^scenarios/', pathNot: TESTS },
      to: { path: '^bot/', pathNot: '^bot/config/' },
    },
    importsOnly(
      'loadgen',
      ['common', 'contracts', 'scenarios', 'fakes'],
      'loadgen-generates-load-only',
      'loadgen/ plays users against the fake Telegram and measures; starting components (environment/), tying a ' +
        'run together (orchestration/) and judging it (reports/) happen elsewhere, and it assumes no particular bot.',
    ),
    importsOnly(
      'environment',
      ['common'],
      'environment-starts-components-only',
      'environment/ starts and supervises PostgreSQL, PgBouncer, Redis and processes; it knows no scenario, bot ' +
        'or fake, so any orchestration (or a benchmark) can use it.',
    ),
    importsOnly(
      'orchestration',
      ['common', 'contracts', 'environment', 'loadgen', 'fakes', 'bot', 'scenarios', 'reports'],
      'orchestration-is-below-the-cli',
      'The CLI parses flags and prints; the run itself (runScenario, runMatrix) must work without it, from tests, ' +
        'benchmarks or another front end. It may call reports (pure functions) to write a matrix report.',
    ),
    {
      name: 'model-reads-only-the-bot-config',
      comment:
        "The model sizes the reference bot's knobs: it types them by the bot's config schema, never its internals.",
      severity: 'error',
      from: { path: '^model/', pathNot: TESTS },
      to: { path: '^bot/', pathNot: '^bot/config/' },
    },
    {
      name: 'orchestration-drives-the-bot-through-its-edges',
      comment:
        'The run must work for any bot (--bot-cmd, --webhook-url), so it knows the reference bot only by its ' +
        'config schema, its launch command and its migrations, never by its internals.',
      severity: 'error',
      from: { path: '^orchestration/', pathNot: TESTS },
      to: { path: '^bot/', pathNot: '^bot/(config/|launch\\.ts$|db/migrate\\.ts$)' },
    },
    {
      name: 'nothing-imports-the-cli',
      comment:
        'The CLI is the outermost layer. Anything the lab needs from it (the version, the bot launch command, ' +
        'runMatrix) belongs below it.',
      severity: 'error',
      from: { path: '^(?!cli/)', pathNot: TESTS },
      to: { path: '^cli/' },
    },
    {
      name: 'production-never-imports-test-support',
      comment:
        'Test helpers (testing/, */testing/, *.test.ts) start servers and assert; shipped code must not depend on them.',
      severity: 'error',
      from: { pathNot: `${TESTS}|^reports/fixtures/` },
      to: { path: TESTS },
    },
    {
      name: 'no-circular',
      comment:
        'A cycle of value imports makes two modules one concept in two files, and its import order decides what ' +
        'is undefined at load. Cycles closed by a type-only import (erased) or a dynamic import (loaded later, on ' +
        'demand) cannot, so they are allowed.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only', 'dynamic-import'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|docs|out|botcap-out)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
