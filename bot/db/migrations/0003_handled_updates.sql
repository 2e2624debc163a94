-- Up Migration

-- One row per Telegram update an instance started to handle (bot/db/update-ledger.ts). Telegram delivers an
-- update again when it did not get our answer (a crash, a handler slower than the webhook timeout), possibly to
-- another instance; the primary key makes the claim atomic across all of them, so a redelivery is handled once.
-- One INSERT per update is the whole cost on the normal path; finished_at is written only by handlers that
-- outlived the webhook timeout (the only ones Telegram redelivers while they run).
CREATE TABLE handled_updates (
  update_id    BIGINT PRIMARY KEY,
  claimed_by   TEXT NOT NULL,
  claimed_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  finished_at  TIMESTAMPTZ
);

-- Rows are inserted in time order, so a BRIN index (a few pages for millions of rows) is enough for the hourly
-- "delete what is older than a day" (Telegram itself drops an undelivered update after 24 hours).
CREATE INDEX handled_updates_claimed_at ON handled_updates USING brin (claimed_at);

-- Down Migration
DROP TABLE handled_updates;
