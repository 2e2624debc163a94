/**
 * The daily digest scheduler and its coordination strategies: none, advisory-lock, skip-locked, redis-lock,
 * cron-http (`scheduler.strategy`).
 */
export { SCHEDULER_LOCK_KEY } from './advisory-lock.ts';
export { dayOf, scheduledAtMs } from './day.ts';
export { type DueDigest, findDueDigests } from './due.ts';
export { createScheduler, type Scheduler, type SchedulerDeps } from './scheduler.ts';
export { RecipientBlockedError, type SendDigest, sendDigestWithTelegram } from './send-with-telegram.ts';
export { claimJobs, materializeJobs } from './skip-locked.ts';
