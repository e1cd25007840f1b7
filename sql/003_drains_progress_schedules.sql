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

-- Schedules and watch folders (schedule.NAME.*, watch.NAME.*): new tables only.

-- The schedules (schedule.NAME.*) and watch folders (watch.NAME.*) of the cluster, as the last
-- node to start configured them, with their state. The cron, time zone and interval also live in
-- the Quartz trigger that fires them; this row holds what a fire enqueues, whether an operator
-- paused it (bin/quarry schedule pause), and its latest fire.
CREATE TABLE IF NOT EXISTS quarry_schedules (
  kind          ENUM('schedule','watch') NOT NULL,
  name          VARCHAR(64)     NOT NULL,
  -- A schedule's cron and time zone, a watch's folder and scan interval; for the listing.
  spec          VARCHAR(1024)   NOT NULL,
  -- The zone a schedule's fire times are shown in and its payload's ${fireTimeLocal} and ${date} use.
  time_zone     VARCHAR(64)     NOT NULL DEFAULT 'UTC',
  type          VARCHAR(128)    NOT NULL,
  payload       MEDIUMTEXT      NOT NULL DEFAULT '',
  queue         VARCHAR(64)     NOT NULL DEFAULT 'default',
  priority      INT             NOT NULL DEFAULT 0,
  max_attempts  INT             NULL DEFAULT NULL,
  paused        TINYINT(1)      NOT NULL DEFAULT 0,
  last_fire_at  DATETIME(3)     NULL DEFAULT NULL,
  last_job_id   BIGINT UNSIGNED NULL DEFAULT NULL,
  updated_by    VARCHAR(200)    NULL DEFAULT NULL,
  updated_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (kind, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per enqueue by a schedule or a watch, inserted in the same transaction as the job: a
-- fire that runs twice (Quartz's recovery of a dead node's fire, a node resumed after a freeze,
-- a retry after a lost commit) finds its row and enqueues nothing, even when the first job has
-- long finished (its unique key is then free again). source is 'schedule:NAME' or 'watch:NAME';
-- fire_key the scheduled fire time, or a file's path and modification time. Pruned after
-- retention.done (at least a day).
CREATE TABLE IF NOT EXISTS quarry_fires (
  source    VARCHAR(80)     NOT NULL,
  fire_key  VARCHAR(255)    NOT NULL,
  job_id    BIGINT UNSIGNED NULL DEFAULT NULL,
  fired_at  DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (source, fire_key),
  KEY quarry_fires_age (fired_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The schedule config each node started with, as a fingerprint, so 'quarry schedules' and
-- 'quarry status' can show nodes that disagree (the last node to start decides the cluster's
-- schedules). A stopped node's row is removed when it stops; a dead node's counts for nothing
-- (liveness is Quartz's check-in).
CREATE TABLE IF NOT EXISTS quarry_schedule_nodes (
  node         VARCHAR(200) NOT NULL,
  fingerprint  CHAR(12)     NOT NULL,
  names        TEXT         NOT NULL,
  started_at   DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (node)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT IGNORE INTO quarry_schema_version (version) VALUES (3);
