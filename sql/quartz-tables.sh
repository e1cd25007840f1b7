#!/usr/bin/env bash
# Prints the DDL of Quartz's tables for MariaDB, taken from the Quartz jar this build uses
# (org/quartz/impl/jdbcjobstore/tables_mysql_innodb.sql), less its DROP TABLE lines.
#   sql/quartz-tables.sh > quartz-tables.sql     then run it once, before 001_quarry_tables.sql
# With an argument: 'quarry' prints Quarry's own tables instead, 'all' prints both.
set -euo pipefail
# Works in the source checkout (building it first when needed) and in the release archive (its jars).
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bin/lib.sh"
cd "$QUARRY_HOME"
quarry_ensure_built
exec java -cp "$(quarry_classpath)" dev.quarry.internal.schema.SchemaScripts "${1:-quartz}"
