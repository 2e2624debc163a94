export { type Action, encodeAction, parseAction } from './callback-data.ts';
export { commandHandlers } from './commands.ts';
export { conversationHandlers } from './conversation.ts';
export { errorBoundary } from './error-boundary.ts';
export { navigationHandlers } from './navigation.ts';
export { otherUpdateHandlers } from './other-updates.ts';
