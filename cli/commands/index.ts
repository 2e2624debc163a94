import type { Command } from 'commander';

/** Adds one command, with its options and action, to the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * Every `botcap` command, in the order `botcap --help` lists them, each module imported only when it is needed.
 * A module's imports stay in the process for good, so `botcap bot` must not load the load generator, the
 * reports, the fakes or testcontainers: a bot instance has a memory budget (issue 3: < 150 MB RSS).
 */
export const COMMANDS = {
  doctor: async () => (await import('./doctor.ts')).registerDoctor,
  bot: async () => (await import('./bot.ts')).registerBot,
  fakes: async () => (await import('./fakes.ts')).registerFakes,
  dev: async () => (await import('./dev.ts')).registerDev,
  gate: async () => (await import('./gate.ts')).registerGate,
  report: async () => (await import('./report.ts')).registerReport,
  cost: async () => (await import('./cost.ts')).registerCost,
  run: async () => (await import('./run.ts')).registerRun,
  scenarios: async () => (await import('./scenarios.ts')).registerScenarios,
  matrix: async () => (await import('./matrix.ts')).registerMatrix,
  'export-k6': async () => (await import('./export-k6.ts')).registerExportK6,
  plan: async () => (await import('./plan.ts')).registerPlan,
  calibrate: async () => (await import('./calibrate.ts')).registerCalibrate,
} satisfies Record<string, () => Promise<RegisterCommand>>;

export type CommandName = keyof typeof COMMANDS;

/** Whether `name` is one of the commands, e.g. the first argument of `botcap <command>`. */
export function isCommandName(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}
