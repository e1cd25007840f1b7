-- Quarry tables, version 2: jobs that are not yet due wait in a state of their own,
-- 'scheduled', so a claim never reads past them. Run it on a version-1 database after
-- 001_quarry_tables.sql (a fresh install runs both, in order); see sql/README.md.
--
-- Stop every Quarry node first: a version-1 node never promotes a scheduled job. Producers
-- may keep inserting; their INSERTs wait while quarry_jobs is rebuilt (the generated column
-- changes, so MariaDB copies the table). The script can be run again: a second run changes
-- no row (it only builds the index once more).

-- status: 'scheduled' joins the ENUM at the end, so the stored values of existing rows stay as
-- they are. Its DEFAULT is an expression of run_at, evaluated per row at INSERT: a producer
-- that sets a future run_at and leaves status alone inserts a scheduled job, without a trigger
-- (a trigger needs the TRIGGER privilege and, with binary logging, SUPER or
-- log_bin_trust_function_creators). A node promotes a scheduled job to ready once it is due.
--
-- active_unique_key: a scheduled job holds its unique key, as a ready or running one does.
--
-- quarry_jobs_due (queue, status, run_at) bounds the promotion (scheduled jobs with run_at <= now:
-- the jobs coming due) and finds ready rows with a future run_at, which a node moves to
-- scheduled; each an index range as short as the rows it changes. (Widening quarry_jobs_finished
-- with run_at would spare an index, but it would put run_at between finished_at and id in the
-- order the operator's listing of finished jobs pages by.)
ALTER TABLE quarry_jobs
  MODIFY status ENUM('ready','running','done','dead','cancelled','scheduled') NOT NULL
    DEFAULT (IF(run_at > NOW(6), 'scheduled', 'ready')),
  MODIFY active_unique_key VARCHAR(255) AS (IF(status IN ('scheduled','ready','running'), unique_key, NULL)) PERSISTENT,
  ADD KEY IF NOT EXISTS quarry_jobs_due (queue, status, run_at);

-- Jobs already waiting for a future run_at (delayed jobs, retries in backoff) leave the claim's
-- range now. Their unique keys stay held: scheduled is as active as ready.
UPDATE quarry_jobs SET status = 'scheduled' WHERE status = 'ready' AND run_at > NOW(6);

-- Which queues each node serves (its 'queues' setting), written by the node at start and removed
-- when it stops: nodes may list different queues, and a queue must only ever be handed to a node
-- that serves it. Rows of a node that died count for nothing (liveness is Quartz's check-in) and
-- are removed by the next node to start.
CREATE TABLE IF NOT EXISTS quarry_node_queues (
  node   VARCHAR(200) NOT NULL,
  queue  VARCHAR(64)  NOT NULL,
  PRIMARY KEY (node, queue)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT IGNORE INTO quarry_schema_version (version) VALUES (2);
