# Shared by the bin/ scripts: where Quarry lives, building it once, the class path.
# Sourced, not run.

QUARRY_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Whether this folder is an unpacked release archive (quarry-VERSION.tar.gz): Quarry's jar and its
# dependencies in lib/, no pom.xml. It runs from those jars and never builds.
quarry_is_release() {
  [[ ! -f "$QUARRY_HOME/pom.xml" ]] && compgen -G "$QUARRY_HOME/lib/quarry-*.jar" > /dev/null
}

# Builds the classes and target/classpath.txt if they are missing or older than the sources
# (a source checkout only; a release archive has nothing to build). QUARRY_SKIP_BUILD=1 says the
# build is current: the test suite sets it, since Maven built target/ just before the tests, and a
# rebuild there would rewrite the classes under the tests' other node JVMs.
quarry_ensure_built() {
  quarry_is_release && return 0
  [[ "${QUARRY_SKIP_BUILD:-}" == 1 && -f "$QUARRY_HOME/target/classpath.txt" ]] && return 0
  local stamp="$QUARRY_HOME/target/classpath.txt"
  if [[ ! -f "$stamp" || ! -d "$QUARRY_HOME/target/classes" ]] \
     || [[ -n "$(find "$QUARRY_HOME/src/main" "$QUARRY_HOME/pom.xml" "$QUARRY_HOME/sql" -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
    echo "building Quarry (mvn -q -DskipTests compile)..." >&2
    (cd "$QUARRY_HOME" && mvn -q -B -DskipTests compile) >&2 || { echo "quarry: the build failed" >&2; exit 1; }
    touch "$stamp"
  fi
}

# The node's class path: Quarry's classes, its dependencies, and any jar dropped into lib/
# (Java handlers named in handler.TYPE.class). In a release archive lib/ holds all of them.
quarry_classpath() {
  if quarry_is_release; then printf '%s' "$QUARRY_HOME/lib/*"; return; fi
  local cp="$QUARRY_HOME/target/classes:$(cat "$QUARRY_HOME/target/classpath.txt")"
  if compgen -G "$QUARRY_HOME/lib/*.jar" > /dev/null; then cp="$cp:$QUARRY_HOME/lib/*"; fi
  printf '%s' "$cp"
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
