import type { Logger } from 'pino';
import type { Clock } from '../common/clock.ts';
import type { BotConfig } from './config/index.ts';
import type { TurnStore } from './db/turns.ts';
import type { UserStore } from './db/users.ts';
import type { Assistant } from './llm/index.ts';
import type { DigestSlotter } from './slotting/index.ts';

/** What the handlers need, built once by the composition root (`app.ts`) and passed in, never imported. */
export interface BotServices {
  config: BotConfig;
  clock: Clock;
  logger: Logger;
  users: UserStore;
  turns: TurnStore;
  slotter: DigestSlotter;
  assistant: Assistant;
}
