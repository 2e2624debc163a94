-- Up Migration

-- How many users hold each minute of the day, for slotting (bot/slotting). One row per minute exists
-- from the start, so taking a seat is a single conditional UPDATE on an existing row: the row lock
-- serializes concurrent sign-ups for the same slot and `taken < cap` is re-checked after the wait.
-- A slot of S minutes starting at minute M is the row M (M a multiple of S); the cap is configuration,
-- not schema, so it is checked in the UPDATE rather than in a CHECK constraint.
CREATE TABLE digest_slots (
  minute  INT PRIMARY KEY CHECK (minute BETWEEN 0 AND 1439),
  taken   INT NOT NULL DEFAULT 0 CHECK (taken >= 0)
);

INSERT INTO digest_slots (minute) SELECT generate_series(0, 1439);

-- Down Migration
DROP TABLE digest_slots;
