package dev.quarry.config;

/** JDBC URL surgery that tools and tests need: the same server, another database. */
public final class JdbcUrls {
    private JdbcUrls() {
    }

    /** {@code serverUrl} with {@code database} in place of whatever database it named; its parameters are kept. */
    public static String withDatabase(String serverUrl, String database) {
        int schemeEnd = serverUrl.indexOf("//") + 2;
        int query = serverUrl.indexOf('?');
        int slash = serverUrl.indexOf('/', schemeEnd);
        if (query >= 0 && slash > query) slash = -1;
        int hostEnd = slash >= 0 ? slash : (query >= 0 ? query : serverUrl.length());
        String params = query < 0 ? "" : serverUrl.substring(query);
        return serverUrl.substring(0, hostEnd) + "/" + database + params;
    }
}
