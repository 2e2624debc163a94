export { type Action, encodeAction, parseAction } from './callback-data.ts';
export { commandHandlers, publishCommandMenu } from './commands.ts';
export { conversationHandlers } from './conversation.ts';
export { navigationHandlers } from './navigation.ts';
export { otherUpdateHandlers } from './other-updates.ts';
