package dev.quarry.internal.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed reads from one properties file. Every error names the file, the key and the bad value;
 * every key read is remembered, so keys nobody reads can be reported as unknown.
 */
final class Settings {
    private final Properties props;
    private final String file;
    private final Set<String> read = new HashSet<>();

    Settings(Properties props, String file) {
        this.props = props;
        this.file = file;
    }

    String file() {
        return file;
    }

    boolean has(String key) {
        return props.getProperty(key) != null;
    }

    String string(String key, String fallback) {
        read.add(key);
        String v = props.getProperty(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    int integer(String key, int fallback, int min, int max) {
        String v = string(key, null);
        if (v == null) return fallback;
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw fail(key, v, "must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw fail(key, v, "is not a whole number");
        }
    }

    /** A whole number; its range is NodeSettings' to check. */
    int integer(String key, int fallback) {
        return integer(key, fallback, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** A duration; how short it may be is NodeSettings' to check. */
    Duration duration(String key, Duration fallback) {
        return duration(key, fallback, Duration.ZERO);
    }

    Duration duration(String key, Duration fallback, Duration min) {
        String v = string(key, null);
        if (v == null) return fallback;
        Duration d;
        try {
            d = Durations.parse(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": " + key + ": " + e.getMessage());
        }
        if (d.compareTo(min) < 0) {
            throw fail(key, v, "must be at least " + Durations.format(min));
        }
        return d;
    }

    ConfigException fail(String key, String value, String why) {
        return new ConfigException(file + ": " + key + "=" + value + " " + why);
    }

    /** Keys present in the file that no read asked for, sorted. */
    Set<String> unread() {
        Set<String> unknown = new TreeSet<>(props.stringPropertyNames());
        unknown.removeAll(read);
        return unknown;
    }
}
