package dev.quarry.config;

/**
 * Where the node's one connection pool points. The password never leaves this object except to
 * the driver: {@link #toString()} masks it.
 *
 * @param url      JDBC URL, from {@code QUARRY_DB_URL}
 * @param user     from {@code QUARRY_DB_USER} (default root)
 * @param password from {@code QUARRY_DB_PASSWORD} or the file named by {@code QUARRY_DB_PASSWORD_FILE}
 * @param poolSize connections in the pool, shared with Quartz (db.pool-size, default 10)
 */
public record DatabaseConfig(String url, String user, String password, int poolSize) {
    public static final int DEFAULT_POOL_SIZE = 10;

    @Override
    public String toString() {
        return "url=" + url + ", user=" + user + ", password=" + (password == null || password.isEmpty() ? "(none)" : "****")
                + ", pool-size=" + poolSize;
    }
}
