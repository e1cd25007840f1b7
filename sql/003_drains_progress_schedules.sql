-- Quarry tables, version 3: a queue may have several drains (queue.Q.drains), each with a lease
-- of its own; a job reports its progress and returns a result; recurring schedules and watch
-- folders enqueue each fire once. Run it on a version-2 database after 002_scheduled_state.sql (a
-- fresh install runs them all, in order); see sql/README.md.
--
-- Stop every Quarry node first: a version-2 node knows one lease row per queue. Producers may go
-- on inserting: no column they write changes. The script can be run again; a second run changes
-- no row.

-- quarry_leases: one row per drain of a queue, numbered from 1. The rows there are drain 1 of
-- their queue, the only drain a version-2 node ran. A queue's pause is written to all its rows.
ALTER TABLE quarry_leases
  ADD COLUMN IF NOT EXISTS drain SMALLINT UNSIGNED NOT NULL DEFAULT 1 AFTER queue,
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (queue, drain);

-- quarry_jobs.drain: which drain of the queue claimed a running job, beside its lease epoch, so a
-- drain that takes over its lease rescues only the jobs of its own predecessors, never those of
-- the queue's other drains, which are still running. NULL (jobs claimed by a version-2 node) is
-- drain 1. MariaDB adds the column in place, without copying the table.
ALTER TABLE quarry_jobs
  ADD COLUMN IF NOT EXISTS drain SMALLINT UNSIGNED NULL DEFAULT NULL AFTER lease_epoch;

-- quarry_node_queues.drains: how many drains of the queue the node's config asks for. A drain
-- that fires on a node configured for fewer is handed to a live node configured for it, or, when
-- no live node is, retired (its orphans rescued, its Quartz job removed; its lease row stays, unheld).
ALTER TABLE quarry_node_queues
  ADD COLUMN IF NOT EXISTS drains SMALLINT UNSIGNED NOT NULL DEFAULT 1;

-- Progress and result: what a running job reports of its progress, and what a finished job
-- returned. Adding NULL columns at the end is an instant ALTER on MariaDB 10.3 and later.
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
