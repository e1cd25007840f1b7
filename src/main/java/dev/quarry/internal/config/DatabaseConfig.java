package dev.quarry.internal.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the node's one connection pool points. The password never leaves this object except to
 * the driver: {@link #toString()} masks it, and {@link #safeUrl()} is the URL to print, with any
 * password written into it masked as well.
 *
 * @param url      JDBC URL, from {@code QUARRY_DB_URL}
 * @param user     from {@code QUARRY_DB_USER} (default root)
 * @param password from {@code QUARRY_DB_PASSWORD} or the file named by {@code QUARRY_DB_PASSWORD_FILE}
 * @param poolSize connections in the pool, shared with Quartz (db.pool-size, default 10)
 */
public record DatabaseConfig(String url, String user, String password, int poolSize) {
    public static final int DEFAULT_POOL_SIZE = 10;

    /** The URL for messages and logs: {@code password=}, {@code pwd=} and {@code user:password@} values masked ({@link JdbcUrls#masked}). */
    public String safeUrl() {
        return JdbcUrls.masked(url);
    }

    /**
     * {@code message} with this database's secrets masked: the URL as {@link #safeUrl()}, then the
     * password and every secret the URL holds, wherever a driver or library repeated them.
     */
    public String scrub(String message) {
        if (message == null) return null;
        String m = url == null ? message : message.replace(url, safeUrl());
        List<String> secrets = new ArrayList<>(url == null ? List.of() : JdbcUrls.secrets(url));
        if (password != null && !password.isEmpty()) secrets.add(password);
        for (String secret : secrets) m = m.replace(secret, JdbcUrls.MASK);
        return m;
    }

    @Override
    public String toString() {
        return "url=" + safeUrl() + ", user=" + user + ", password=" + (password == null || password.isEmpty() ? "(none)" : "****")
                + ", pool-size=" + poolSize;
    }
}
