-- Least-privilege accounts for Quarry. Run as an administrator once, after replacing the
-- database name (quarry), the hosts ('%') and the passwords.

-- Producers (web applications): enqueue and read their jobs' status, nothing else.
CREATE USER IF NOT EXISTS 'quarry_producer'@'%' IDENTIFIED BY 'change-me-producer';
GRANT SELECT, INSERT ON quarry.quarry_jobs TO 'quarry_producer'@'%';

-- Nodes and the bin/quarry CLI: read and write rows of the Quarry and Quartz tables, no DDL.
CREATE USER IF NOT EXISTS 'quarry_node'@'%' IDENTIFIED BY 'change-me-node';
GRANT SELECT, INSERT, UPDATE, DELETE ON quarry.* TO 'quarry_node'@'%';
