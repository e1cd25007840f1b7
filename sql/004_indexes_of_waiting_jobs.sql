-- Quarry tables, version 4: the claim index holds ready jobs only and the due index scheduled
-- jobs only, so a job's completion writes to neither, and a job that runs at once never writes to
-- the due index. Run it on a version-3 database after 003_drains_progress_schedules.sql (a fresh
-- install runs them all, in order); see sql/README.md.
--
-- Stop every Quarry node first: a version-3 node claims and looks for due jobs through the
-- indexes this script replaces. Producers may keep inserting; their INSERTs wait while
-- quarry_jobs is rebuilt (new stored generated columns: MariaDB copies the table). The script can
-- be run again: a second run changes no row (it only builds the indexes once more).

-- An index entry changes only when its key does. Up to version 3 both indexes began with
-- (queue, status), so every change of a job's state moved its entry in each, although only ready
-- jobs are ever claimed through quarry_jobs_claim and only scheduled jobs promoted through
-- quarry_jobs_due. ready_queue and scheduled_queue are the job's queue while it is in that state
-- and NULL otherwise:
--   quarry_jobs_claim (ready_queue, priority, run_at, id): a claim moves the job's entry out of
--     its queue's range (to NULL), and its completion, running to done, dead or cancelled, leaves
--     it there. The claim reads (ready_queue = Q) in (priority, run_at, id) order, as before.
--   quarry_jobs_due (scheduled_queue, run_at): a job that is ready, runs and ends leaves its entry
--     (NULL, run_at, id) as it was inserted. The promotion of due jobs reads (scheduled_queue = Q,
--     run_at <= now): the jobs coming due and nothing else.
-- Per job that runs at once, three secondary-index entries now move (the claim index's at the
-- claim, quarry_jobs_finished's at the claim and at the end) where version 3 moved six. Running jobs are
-- found through quarry_jobs_finished (queue, status, finished_at), which still holds every state:
-- orphan rescue, the status counts and the listings read it.
--
-- Ready jobs are no longer in the due index, and no node looks for a ready job with a future
-- run_at any more (version 2 moved such rows to scheduled). The status column's default makes a
-- delayed INSERT scheduled, the producers' grants cannot set status, and Quarry itself writes a
-- future run_at only with status scheduled; a row written 'ready' with a future run_at by hand is
-- still claimed no earlier than its run_at.
ALTER TABLE quarry_jobs
  ADD COLUMN IF NOT EXISTS scheduled_queue VARCHAR(64) AS (IF(status = 'scheduled', queue, NULL)) PERSISTENT,
  ADD COLUMN IF NOT EXISTS ready_queue VARCHAR(64) AS (IF(status = 'ready', queue, NULL)) PERSISTENT,
  DROP INDEX IF EXISTS quarry_jobs_due,
  ADD KEY quarry_jobs_due (scheduled_queue, run_at),
  DROP INDEX IF EXISTS quarry_jobs_claim,
  ADD KEY quarry_jobs_claim (ready_queue, priority, run_at, id);

INSERT IGNORE INTO quarry_schema_version (version) VALUES (4);
