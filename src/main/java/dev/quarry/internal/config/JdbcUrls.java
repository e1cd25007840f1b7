package dev.quarry.internal.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** JDBC URL surgery that tools and tests need: the same server, another database; a URL safe to print. */
public final class JdbcUrls {
    static final String MASK = "****";

    private JdbcUrls() {
    }

    /**
     * {@code url} as it may be printed: the value of every parameter whose name contains
     * {@code password} or {@code pwd} (any case: {@code ?password=}, {@code &PWD=},
     * {@code trustStorePassword=}, {@code (password=...)} in an address) and the password of a
     * {@code user:password@} before the host become {@code ****}. It masks rather too much than too
     * little: a parameter value runs to the next {@code &}, as the driver reads it.
     */
    public static String masked(String url) {
        return mask(url, new ArrayList<>());
    }

    /** The secret values {@link #masked} hides, as written in {@code url}; empty ones left out. */
    static List<String> secrets(String url) {
        List<String> found = new ArrayList<>();
        mask(url, found);
        found.removeIf(String::isEmpty);
        return found;
    }

    /**
     * Whether {@code url} puts credentials before its host ({@code jdbc:mariadb://user:pw@host/db}):
     * an {@code @} after {@code //} and before the next {@code /} or {@code ?}. MariaDB Connector/J
     * does not read them there (it takes what follows the colon for a port and says so, password
     * included), so the loader refuses such a URL.
     */
    static boolean hasUserInfo(String url) {
        int start = hostStart(url);
        if (start < 0) return false;
        for (int i = start; i < url.length(); i++) {
            char ch = url.charAt(i);
            if (ch == '@') return true;
            if (ch == '/' || ch == '?') return false;
        }
        return false;
    }

    private static int hostStart(String url) {
        int slashes = url.indexOf("//");
        return slashes < 0 ? -1 : slashes + 2;
    }

    private static String mask(String url, List<String> secrets) {
        if (url == null) return null;
        String s = maskUserInfo(url, secrets);
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char ch = s.charAt(i);
            out.append(ch);
            i++;
            // A parameter starts after ? & or ; (the driver splits on & only, but a ';' list is masked
            // too), an address property after '('.
            if (ch != '?' && ch != '&' && ch != ';' && ch != '(') continue;
            boolean inAddress = ch == '(';
            int eq = i;
            while (eq < s.length() && "=&;?()".indexOf(s.charAt(eq)) < 0) eq++;
            if (eq >= s.length() || s.charAt(eq) != '=' || !secretName(s.substring(i, eq))) continue;
            int end = eq + 1;
            while (end < s.length() && s.charAt(end) != '&' && !(inAddress && s.charAt(end) == ')')) end++;
            secrets.add(s.substring(eq + 1, end));
            out.append(s, i, eq + 1).append(MASK);
            i = end;
        }
        return out.toString();
    }

    private static boolean secretName(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("pwd");
    }

    /**
     * Masks the password of {@code user:password@host}. The '@' taken is the last one before the
     * query, so a password holding '@' or '/' is masked whole; failing that, an '@' after a '?' that
     * no '=' precedes (a password holding '?'). A database name holding '@' is masked with it.
     */
    private static String maskUserInfo(String url, List<String> secrets) {
        int start = hostStart(url);
        if (start < 0) return url;
        int query = url.indexOf('?', start);
        int at = url.lastIndexOf('@', query < 0 ? url.length() : query);
        if (at < start) {
            at = url.indexOf('@', start);
            if (at >= 0 && url.substring(start, at).contains("=")) at = -1;
        }
        if (at < start) return url;
        int colon = url.indexOf(':', start);
        if (colon < 0 || colon > at) return url;
        secrets.add(url.substring(colon + 1, at));
        return url.substring(0, colon + 1) + MASK + url.substring(at);
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
