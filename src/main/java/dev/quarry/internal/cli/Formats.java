package dev.quarry.internal.cli;

import dev.quarry.internal.Text;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** How the CLI writes times, ages and text from rows for a person at a terminal. */
final class Formats {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private Formats() {
    }

    /** A database time as MariaDB writes a DATETIME(6); "-" when null. */
    static String time(LocalDateTime t) {
        return t == null ? "-" : TIME.format(t);
    }

    /** "1 job", "2 jobs". */
    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** A span for people: 850ms, 12.3s, 5m 3s, 2h 4m, 3d 2h. */
    static String age(long millis) {
        if (millis < 0) return "-" + age(-millis);
        if (millis < 1000) return millis + "ms";
        if (millis < 60_000) return String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
        long s = millis / 1000;
        if (s < 3600) return s / 60 + "m " + s % 60 + "s";
        if (s < 86_400) return s / 3600 + "h " + s % 3600 / 60 + "m";
        return s / 86_400 + "d " + s % 86_400 / 3600 + "h";
    }

    /**
     * Text from a row on one line: control characters (ANSI escapes included) escaped, so a row
     * can neither forge output lines nor recolour the terminal; cut at {@code max}.
     */
    static String line(String s, int max) {
        return s == null ? "-" : Text.oneLine(s, max);
    }

    /**
     * Text from a row as a block: line breaks and tabs kept, other control characters escaped,
     * continuation lines indented by {@code indent} spaces.
     */
    static String block(String s, int indent) {
        if (s == null) return "-";
        String pad = "\n" + " ".repeat(indent);
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (String line : s.split("\r?\n", -1)) {
            if (b.length() > 0) b.append(pad);
            b.append(Text.oneLine(line.replace("\t", "    "), Integer.MAX_VALUE));
        }
        return b.toString();
    }
}
