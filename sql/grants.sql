-- Least-privilege accounts for Quarry. Run as an administrator once, after replacing the
-- database name (quarry), the hosts ('%') and the passwords.
--
-- Run it after the tables exist (sql/README.md, steps 1 and 2): a column-level grant names
-- columns of quarry_jobs, and MariaDB refuses it while the table is missing.

-- Producers (web applications): enqueue and read their jobs' status, nothing else.
CREATE USER IF NOT EXISTS 'quarry_producer'@'%' IDENTIFIED BY 'change-me-producer';
-- INSERT names only the columns a producer chooses. The others belong to the engine: a row
-- inserted as status 'running' with a high lease_epoch would never be claimed or rescued and
-- would hold its unique_key for ever; a forged claim_token, attempts or started_at would lie
-- about the job. They take their defaults, so every job starts 'ready' with no claim.
-- This list stays the same when later schema versions add states ('scheduled') or engine columns.
GRANT INSERT (queue, type, payload, priority, run_at, max_attempts, unique_key)
  ON quarry.quarry_jobs TO 'quarry_producer'@'%';
-- SELECT is on the whole table: a producer reads its job's status, attempts, last_error and
-- timestamps, QuarryClient reads active_unique_key to name the job holding a duplicate key,
-- and INSERT ... RETURNING reads id. Nothing read here lets the account change a row (it has
-- no UPDATE or DELETE), and columns a later version adds for producers to poll (progress,
-- result) are readable without a new grant. Producers sharing one account see each other's
-- rows either way: a column list cannot restrict rows.
GRANT SELECT ON quarry.quarry_jobs TO 'quarry_producer'@'%';

-- Nodes and the bin/quarry CLI: read and write rows of the Quarry and Quartz tables, no DDL.
CREATE USER IF NOT EXISTS 'quarry_node'@'%' IDENTIFIED BY 'change-me-node';
GRANT SELECT, INSERT, UPDATE, DELETE ON quarry.* TO 'quarry_node'@'%';
