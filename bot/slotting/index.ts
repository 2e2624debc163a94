export { formatTimeOfDay, MINUTES_PER_DAY, type MinuteOfDay, parseTimeOfDay, slotStart } from './minutes.ts';
export { OFFER_COUNT, type SlotDecision, Slotter, type SlottingConfig, UnknownUserError } from './slotter.ts';
