package dev.quarry.internal.web;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One request as the pages see it: its parameters (query, and the form of a POST), its session. */
final class Request {
    /** A form larger than this is refused: every form here is a few short fields. */
    static final int MAX_FORM_BYTES = 16 * 1024;

    final String method;
    final String path;
    private final Map<String, String> params;
    final Optional<Sessions.Session> session;
    /** False only when a password is set and this request has no live session. */
    final boolean readOnly;

    private Request(String method, String path, Map<String, String> params, Optional<Sessions.Session> session, boolean readOnly) {
        this.method = method;
        this.path = path;
        this.params = params;
        this.session = session;
        this.readOnly = readOnly;
    }

    /** For an error page when the request itself could not be read. */
    static Request anonymous() {
        return new Request("GET", "/", Map.of(), Optional.empty(), true);
    }

    static Request read(HttpExchange ex, Sessions sessions) throws IOException {
        Map<String, String> params = new HashMap<>();
        parse(ex.getRequestURI().getRawQuery(), params);
        if ("POST".equals(ex.getRequestMethod())) {
            try (InputStream in = ex.getRequestBody()) {
                byte[] body = in.readNBytes(MAX_FORM_BYTES + 1);
                if (body.length > MAX_FORM_BYTES) throw new IllegalArgumentException("form larger than " + MAX_FORM_BYTES + " bytes");
                parse(new String(body, StandardCharsets.UTF_8), params);
            }
        }
        Optional<Sessions.Session> session = sessions.find(cookie(ex, Sessions.COOKIE));
        return new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), params, session, session.isEmpty());
    }

    private static void parse(String raw, Map<String, String> into) {
        if (raw == null || raw.isEmpty()) return;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            into.putIfAbsent(k, v);
        }
    }

    static String cookie(HttpExchange ex, String name) {
        List<String> headers = ex.getRequestHeaders().get("Cookie");
        if (headers == null) return null;
        for (String h : headers) {
            for (String part : h.split(";")) {
                String p = part.strip();
                if (p.startsWith(name + "=")) return p.substring(name.length() + 1);
            }
        }
        return null;
    }

    /** The parameter, trimmed; null when absent or blank. */
    String param(String name) {
        String v = params.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** A whole-number parameter; null when absent. */
    Long number(String name) {
        String v = param(name);
        if (v == null) return null;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + v + "'");
        }
    }

    /** The session's CSRF token, for the forms of a page; null when read-only. */
    String csrf() {
        return session.map(Sessions.Session::csrf).orElse(null);
    }
}
