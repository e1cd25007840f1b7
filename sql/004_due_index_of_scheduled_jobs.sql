-- Quarry tables, version 4: the due index holds scheduled jobs only, so a job that runs at once
-- never writes to it. Run it on a version-3 database after 003_drains_progress_schedules.sql (a
-- fresh install runs them all, in order); see sql/README.md.
--
-- Stop every Quarry node first: a version-3 node looks for due jobs through the index this script
-- replaces. Producers may keep inserting; their INSERTs wait while quarry_jobs is rebuilt (a new
-- stored generated column: MariaDB copies the table). The script can be run again: a second run
-- changes no row (it only builds the index once more).

-- Version 2's quarry_jobs_due was (queue, status, run_at): every job's claim and completion each
-- moved its entry, two of the six secondary-index writes a job cost, although only scheduled jobs
-- are ever looked up through it. scheduled_queue is the job's queue while it is scheduled and
-- NULL otherwise; an index entry changes only when its key does, so a job that is ready, runs
-- and ends leaves its entry (NULL, run_at, id) as it was inserted. The promotion of due jobs
-- reads (scheduled_queue = Q, run_at <= now): the jobs coming due and nothing else.
--
-- Ready jobs are no longer in this index, and no node looks for a ready job with a future run_at
-- any more (version 2 moved such rows to scheduled). The status column's default makes a delayed
-- INSERT scheduled, the producers' grants cannot set status, and Quarry itself writes a future
-- run_at only with status scheduled; a row written 'ready' with a future run_at by hand is still
-- claimed no earlier than its run_at.
ALTER TABLE quarry_jobs
  ADD COLUMN IF NOT EXISTS scheduled_queue VARCHAR(64) AS (IF(status = 'scheduled', queue, NULL)) PERSISTENT,
  DROP INDEX IF EXISTS quarry_jobs_due,
  ADD KEY quarry_jobs_due (scheduled_queue, run_at);

INSERT IGNORE INTO quarry_schema_version (version) VALUES (4);
