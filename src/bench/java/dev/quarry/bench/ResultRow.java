package dev.quarry.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One run's figures, in the order they are printed: {@code quarry backlog=100000 threads=8 jobs/s=9512 ...}.
 * Keys are CSV column names; the printed line writes {@code jobs_per_s} as {@code jobs/s}.
 */
final class ResultRow {
    private final String run;
    private final Map<String, String> fields = new LinkedHashMap<>();

    ResultRow(String run) {
        this.run = run;
    }

    String run() {
        return run;
    }

    /** Whole numbers as they are; other numbers with one decimal (three below 10, so small ratios and times stay readable). */
    ResultRow put(String key, Object value) {
        if (value == null) return this;
        String text;
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) text = "n/a";
            else if (Math.abs(d) >= 100) text = String.valueOf(Math.round(d));
            else if (Math.abs(d) >= 10) text = String.format(Locale.ROOT, "%.1f", d);
            else text = String.format(Locale.ROOT, "%.3f", d);
        } else {
            text = String.valueOf(value);
        }
        fields.put(key, text);
        return this;
    }

    String get(String key) {
        return fields.get(key);
    }

    Map<String, String> fields() {
        return fields;
    }

    String line() {
        StringBuilder s = new StringBuilder(run);
        fields.forEach((k, v) -> s.append(' ').append(k.equals("jobs_per_s") ? "jobs/s" : k).append('=').append(v.contains(" ") ? '"' + v + '"' : v));
        return s.toString();
    }

    @Override
    public String toString() {
        return line();
    }
}
