import { Command } from 'commander';
import { registerBot } from './commands/bot.ts';
import { registerCost } from './commands/cost.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerExportK6 } from './commands/export-k6.ts';
import { registerFakes } from './commands/fakes.ts';
import { registerGate } from './commands/gate.ts';
import { registerMatrix } from './commands/matrix.ts';
import { registerReport } from './commands/report.ts';
import { registerRun } from './commands/run.ts';
import { registerScenarios } from './commands/scenarios.ts';
import { BOTCAP_VERSION } from './version.ts';

/**
 * Builds the `botcap` program. Tests call it in-process; each command lives in `cli/commands/<name>.ts`,
 * sets `process.exitCode` and returns, so output flushes before exit.
 */
export function createProgram(): Command {
  const program = new Command('botcap')
    .description('A capacity lab for Telegram bots on PostgreSQL and Claude.')
    .version(BOTCAP_VERSION, '-v, --version')
    .showHelpAfterError('(run botcap --help for usage)')
    .exitOverride();

  registerDoctor(program);
  registerBot(program);
  registerFakes(program);
  registerGate(program);
  registerReport(program);
  registerCost(program);
  registerRun(program);
  registerScenarios(program);
  registerMatrix(program);
  registerExportK6(program);
  return program;
}
