// The architecture, as rules `npm test` checks before any test runs (npm run deps).
//
// The arrows run one way:
//   cli -> orchestration -> { environment, loadgen, fakes, the bot's edges } and reports -> contracts
// contracts/ (RunResult, thresholds, token usage, histograms, series names, matrix names, transports, the
// version) and common/ import nothing of the lab; bot/ and fakes/ are the system under test and its
// stand-ins, usable without the lab; scenarios/ are data typed by their owners; reports/ are pure
// functions of RunResults. Test files may reach across (a bot test needs the fakes), production files may not.
// Each rule says why it exists; a violation names the rule, the file and the import.

/** Test files and test support: they may import across the folders, and nothing in production imports them. */
const TESTS = '(\\.test\\.ts$|^testing/|/testing/|/testing\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'contracts-import-nothing-of-the-lab',
      comment:
        'contracts/ holds the shapes every part shares (RunResult, thresholds, token usage, histograms, series and ' +
        "matrix names, transports, the version). If it imported a part, that part would become everyone's " +
        'dependency and the arrows would loop (reports needed scenarios, scenarios needed reports). Only common/ and packages.',
      severity: 'error',
      from: { path: '^contracts/', pathNot: TESTS },
      to: { path: '^(bot|fakes|loadgen|environment|orchestration|scenarios|reports|cli|bench|testing)/' },
    },
    {
      name: 'common-imports-only-common',
      comment:
        'common/ (clock, errors, redaction, paths, validation messages, probes) is what every folder may use, ' +
        'so it can use none of them without making a cycle.',
      severity: 'error',
      from: { path: '^common/', pathNot: TESTS },
      to: { path: '^(bot|contracts|fakes|loadgen|environment|orchestration|scenarios|reports|cli|bench|testing)/' },
    },
    {
      name: 'bot-knows-nothing-of-the-lab',
      comment:
        'The reference bot is a readable example and the system under test: it must run and be read without ' +
        'botcap around it, so production bot code imports only bot/, common/ and contracts/ (its transport names).',
      severity: 'error',
      from: { path: '^bot/', pathNot: TESTS },
      to: { path: '^(fakes|loadgen|environment|orchestration|scenarios|reports|cli|bench|testing)/' },
    },
    {
      name: 'fakes-know-nothing-of-the-lab',
      comment:
        'The fakes stand in for Telegram, Claude and MCP for any bot in any language (botcap fakes): they follow ' +
        'the real APIs, not the lab, so they import only fakes/ and common/.',
      severity: 'error',
      from: { path: '^fakes/', pathNot: TESTS },
      to: { path: '^(bot|contracts|loadgen|environment|orchestration|scenarios|reports|cli|bench|testing)/' },
    },
    {
      name: 'reports-read-only-results',
      comment:
        'Reports are pure functions of RunResults (contracts/): they never reach into how a run was made, so a ' +
        'result file from any botcap version or generator renders the same.',
      severity: 'error',
      from: { path: '^reports/', pathNot: TESTS },
      to: { path: '^(bot|fakes|loadgen|environment|orchestration|scenarios|cli|bench|testing)/' },
    },
    {
      name: 'scenarios-are-data',
      comment:
        "A scenario or a matrix is data typed by its owners (the bot config, the fakes' options, contracts); " +
        "running it is the orchestration's job and judging it the reports'.",
      severity: 'error',
      from: { path: '^scenarios/', pathNot: TESTS },
      to: { path: '^(loadgen|environment|orchestration|reports|cli|bench|testing)/' },
    },
    {
      name: 'scenarios-read-only-the-bot-config',
      comment:
        "A scenario sets the reference bot's knobs; it types them by the bot's config schema and nothing else of the bot.",
      severity: 'error',
      from: { path: '^scenarios/', pathNot: TESTS },
      to: { path: '^bot/', pathNot: '^bot/config/' },
    },
    {
      name: 'loadgen-generates-load-only',
      comment:
        'loadgen/ plays users against the fake Telegram and measures; starting Postgres or bots (environment/), ' +
        'tying a run together (orchestration/) and judging it (reports/) happen elsewhere, and it assumes no ' +
        'particular bot.',
      severity: 'error',
      from: { path: '^loadgen/', pathNot: TESTS },
      to: { path: '^(bot|environment|orchestration|reports|cli|bench|testing)/' },
    },
    {
      name: 'environment-starts-components-only',
      comment:
        'environment/ starts and supervises PostgreSQL, PgBouncer, Redis and processes; it knows no scenario, ' +
        'bot or fake, so any orchestration (or a benchmark) can use it.',
      severity: 'error',
      from: { path: '^environment/', pathNot: TESTS },
      to: { path: '^(bot|fakes|loadgen|orchestration|scenarios|reports|cli|bench|testing)/' },
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
        'The CLI is the outermost layer: it parses flags and prints. Anything the lab needs from it (the version, ' +
        'the bot launch command, runMatrix) belongs below it.',
      severity: 'error',
      from: { path: '^(?!cli/)', pathNot: TESTS },
      to: { path: '^cli/' },
    },
    {
      name: 'production-never-imports-test-support',
      comment:
        'Test helpers (testing/, */testing/, *.test.ts) may start servers and assert; shipped code must not depend on them.',
      severity: 'error',
      from: { pathNot: `${TESTS}|^reports/fixtures/` },
      to: { path: TESTS },
    },
    {
      name: 'no-circular',
      comment:
        'A cycle of value imports makes two modules one concept in two files, and its import order decides what ' +
        'is undefined at load. Cycles closed by a type-only import (erased) or a dynamic import (loaded later, ' +
        'on demand) cannot, so they are allowed.',
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
    // Types-only imports count: a type from a forbidden folder is a forbidden dependency all the same.
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
