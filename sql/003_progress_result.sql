-- Quarry tables, version 3 (progress and result): what a running job reports of its progress, and
-- what a finished job returned. Run it on a version-2 database after 002_scheduled_state.sql (a
-- fresh install runs every script, in order); see sql/README.md.
--
-- Nodes of version 2 may keep running while it runs: they never read or write these columns.
-- Adding NULL columns at the end is an instant ALTER on MariaDB 10.3 and later (no table copy).
-- The script can be run again: IF NOT EXISTS makes a second run change nothing.
--
-- progress:      0 to 100, as the handler last reported it; NULL until it reports.
-- progress_note: the handler's words with it ("encoding audio"), at most 255 characters.
-- result:        what a done job returned (a shell handler's result file, an http handler's 2xx
--                body, a Java handler's Outcome.done(result)), at most payload.max-bytes bytes.
--                NULL when the handler returned none.
ALTER TABLE quarry_jobs
  ADD COLUMN IF NOT EXISTS progress      TINYINT UNSIGNED NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS progress_note VARCHAR(255)     NULL DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS result        MEDIUMTEXT       NULL DEFAULT NULL;

INSERT IGNORE INTO quarry_schema_version (version) VALUES (3);
