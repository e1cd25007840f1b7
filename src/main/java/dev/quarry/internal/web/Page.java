package dev.quarry.internal.web;

import dev.quarry.internal.admin.Count;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * One HTML page as it is built. Every value from outside this package (queue names, types,
 * payloads, errors, node names: all of it producer- or attacker-controlled) goes through
 * {@link #esc}, the one escaping function: {@link #text}, {@link #cell} and every attribute
 * call it. {@link #raw} takes only markup literals written in this package.
 */
final class Page {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private final StringBuilder b = new StringBuilder(8192);

    /** Text safe in element content and in a quoted attribute value: {@code & < > " '} become entities. */
    static String esc(Object value) {
        if (value == null) return "";
        String s = value.toString();
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A path with query parameters, each name and value URL-encoded (null values left out). */
    static String url(String path, Object... params) {
        StringBuilder u = new StringBuilder(path);
        char sep = '?';
        for (int i = 0; i + 1 < params.length; i += 2) {
            if (params[i + 1] == null) continue;
            u.append(sep).append(URLEncoder.encode(params[i].toString(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(params[i + 1].toString(), StandardCharsets.UTF_8));
            sep = '&';
        }
        return u.toString();
    }

    static String time(LocalDateTime t) {
        return t == null ? "-" : TIME.format(t);
    }

    /** 950ms, 12.3s, 4m05s, 3h02m, 2d04h. */
    static String age(Long millis) {
        if (millis == null) return "-";
        long ms = Math.abs(millis);
        String sign = millis < 0 ? "-" : "";
        if (ms < 1000) return sign + ms + "ms";
        if (ms < 60_000) return sign + String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        long s = ms / 1000;
        if (s < 3600) return sign + String.format(java.util.Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        if (s < 86_400) return sign + String.format(java.util.Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        return sign + String.format(java.util.Locale.ROOT, "%dd%02dh", s / 86_400, s % 86_400 / 3600);
    }

    static String count(Count c) {
        return c == null ? "0" : String.format(java.util.Locale.ROOT, "%,d", c.value()) + (c.capped() ? "+" : "");
    }

    /** Markup written in this package, never a value from outside. */
    Page raw(String markup) {
        b.append(markup);
        return this;
    }

    Page text(Object value) {
        b.append(esc(value));
        return this;
    }

    /** {@code <tag attr="value" ...>text</tag>}; attribute names are literals, values escaped. */
    Page el(String tag, Object text, String... attrs) {
        open(tag, attrs);
        text(text);
        return close(tag);
    }

    Page open(String tag, String... attrs) {
        b.append('<').append(tag);
        for (int i = 0; i + 1 < attrs.length; i += 2) {
            if (attrs[i + 1] == null) continue;
            b.append(' ').append(attrs[i]).append("=\"").append(esc(attrs[i + 1])).append('"');
        }
        b.append('>');
        return this;
    }

    Page close(String tag) {
        b.append("</").append(tag).append('>');
        return this;
    }

    Page cell(Object text, String... attrs) {
        return el("td", text, attrs);
    }

    Page link(String href, Object text, String... attrs) {
        String[] all = new String[attrs.length + 2];
        all[0] = "href";
        all[1] = href;
        System.arraycopy(attrs, 0, all, 2, attrs.length);
        return el("a", text, all);
    }

    Page header(String... names) {
        raw("<thead><tr>");
        for (String n : names) el("th", n);
        return raw("</tr></thead>");
    }

    /** A POST form of one button, carrying the session's CSRF token and the hidden fields given. */
    Page postButton(String action, String label, String csrf, String... fields) {
        open("form", "method", "post", "action", action, "class", "inline");
        hidden("csrf", csrf);
        for (int i = 0; i + 1 < fields.length; i += 2) hidden(fields[i], fields[i + 1]);
        return el("button", label, "type", "submit").close("form");
    }

    Page hidden(String name, String value) {
        return open("input", "type", "hidden", "name", name, "value", value);
    }

    @Override
    public String toString() {
        return b.toString();
    }
}
