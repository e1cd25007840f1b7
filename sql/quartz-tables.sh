#!/usr/bin/env bash
# Prints the DDL of Quartz's tables for MariaDB, taken from the Quartz jar this build uses
# (org/quartz/impl/jdbcjobstore/tables_mysql_innodb.sql), less its DROP TABLE lines.
#   sql/quartz-tables.sh > quartz-tables.sql     then run it once, before 001_quarry_tables.sql
# With an argument: 'quarry' prints Quarry's own tables instead, 'all' prints both.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$home"
if [[ ! -f target/classpath.txt || ! -d target/classes ]]; then
  mvn -q -B -DskipTests compile >&2
fi
exec java -cp "target/classes:$(cat target/classpath.txt)" dev.quarry.schema.SchemaScripts "${1:-quartz}"
