-- Quarry tables, version 1. The DBA runs this once, after the Quartz tables
-- (see sql/README.md). Quarry never creates or alters tables on a real server.

-- The queue. A producer needs only:
--   INSERT INTO quarry_jobs (type, payload) VALUES ('resize-video', '{"file":"a.mp4"}');
-- Every other column has a default. Producers may also set queue, priority, run_at,
-- max_attempts and unique_key; the columns after them belong to the engine.
CREATE TABLE quarry_jobs (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  queue         VARCHAR(64)     NOT NULL DEFAULT 'default',
  type          VARCHAR(128)    NOT NULL,
  payload       MEDIUMTEXT      NOT NULL DEFAULT '',
  -- Lower runs first; equal priorities run in run_at order.
  priority      INT             NOT NULL DEFAULT 0,
  -- Due time, in database time. A retry waits here with a later run_at.
  run_at        DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  -- NULL: the node's retry.max-attempts applies.
  max_attempts  INT             NULL DEFAULT NULL,
  -- At most one job per key while it is ready or running (see active_unique_key);
  -- a second INSERT fails with a duplicate-key error, INSERT IGNORE skips it.
  unique_key    VARCHAR(255)    NULL DEFAULT NULL,

  status        ENUM('ready','running','done','dead','cancelled') NOT NULL DEFAULT 'ready',
  attempts      INT             NOT NULL DEFAULT 0,
  last_error    TEXT            NULL DEFAULT NULL,
  created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  started_at    DATETIME(6)     NULL DEFAULT NULL,
  finished_at   DATETIME(6)     NULL DEFAULT NULL,

  -- Fencing: a claim writes a fresh random token and the lease epoch it was made under;
  -- every later transition of the row names the token, so a late completion changes nothing.
  claim_token   BIGINT          NULL DEFAULT NULL,
  claimed_by    VARCHAR(200)    NULL DEFAULT NULL,
  lease_epoch   BIGINT          NULL DEFAULT NULL,
  -- 1: an operator asked to stop this running job (bin/quarry cancel); its node interrupts it.
  cancel_requested TINYINT(1)   NOT NULL DEFAULT 0,

  active_unique_key VARCHAR(255) AS (IF(status IN ('ready','running'), unique_key, NULL)) PERSISTENT,

  PRIMARY KEY (id),
  -- Serves the claim: equality on queue and status, then the ORDER BY. Finished rows sit in
  -- other status ranges, so they never slow a claim however many are kept.
  KEY quarry_jobs_claim (queue, status, priority, run_at, id),
  -- Serves orphan rescue (status = 'running') and retention pruning (finished_at).
  KEY quarry_jobs_finished (queue, status, finished_at),
  UNIQUE KEY quarry_jobs_unique (active_unique_key),
  CONSTRAINT quarry_jobs_type_not_blank CHECK (type <> ''),
  CONSTRAINT quarry_jobs_max_attempts_range CHECK (max_attempts IS NULL OR max_attempts BETWEEN 1 AND 1000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per queue: which drain may claim from it. Taken and renewed in database time; the
-- epoch grows by one on every take-over, so work claimed under an older epoch is known stale.
CREATE TABLE quarry_leases (
  queue        VARCHAR(64)   NOT NULL,
  holder       VARCHAR(200)  NULL DEFAULT NULL,
  epoch        BIGINT        NOT NULL DEFAULT 0,
  acquired_at  DATETIME(6)   NULL DEFAULT NULL,
  expires_at   DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  -- 1: the queue is paused; its drains claim nothing (running jobs finish).
  paused       TINYINT(1)    NOT NULL DEFAULT 0,
  PRIMARY KEY (queue)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The schema version this database holds; a node refuses to start on another.
CREATE TABLE quarry_schema_version (
  version     INT          NOT NULL,
  applied_at  DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (version)
) ENGINE=InnoDB;

INSERT INTO quarry_schema_version (version) VALUES (1);
