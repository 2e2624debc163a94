export { createSlotter, type DigestSlotter, SLOT_OVER_CAP_METRIC, usersOverCap } from './choose-slotter.ts';
export { CountSlotter } from './count-slotter.ts';
export { formatTimeOfDay, MINUTES_PER_DAY, type MinuteOfDay, parseTimeOfDay, slotStart } from './minutes.ts';
export { OFFER_COUNT, type SlotDecision, Slotter, type SlottingConfig, UnknownUserError } from './slotter.ts';
