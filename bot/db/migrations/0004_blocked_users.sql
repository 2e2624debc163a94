-- Up Migration

-- When the user blocked the bot (Telegram answered 403 "bot was blocked by the user"): digests stop until they
-- write again (/start clears it), instead of failing again on every scheduler tick.
ALTER TABLE users ADD COLUMN blocked_at TIMESTAMPTZ;

-- Down Migration
ALTER TABLE users DROP COLUMN blocked_at;
