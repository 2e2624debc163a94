import { registerBot } from './commands/bot.ts';
import { createRootCommand, runProgram } from './root.ts';

/**
 * Entry point of `botcap bot` when bin/botcap.js runs it from a bundle (bin/prebuilt.js): the program cli/main.ts
 * builds for `botcap bot`, without the table of the other commands, so the bundle holds the bot's modules only.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const program = createRootCommand();
  registerBot(program);
  await runProgram(program, argv);
}
