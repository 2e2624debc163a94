-- Up Migration

-- The error log the production bot writes asynchronously through its own pool (observability.errorLog): one row
-- per handler error or upstream fallback, read by whoever looks. Not indexed beyond the key: it is append-only.
CREATE TABLE error_log (
  id BIGSERIAL PRIMARY KEY,
  logged_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  instance TEXT NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL
);

-- Down Migration
DROP TABLE error_log;
