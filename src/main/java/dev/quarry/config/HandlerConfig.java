package dev.quarry.config;

import java.time.Duration;

/**
 * How jobs of one type are run.
 *
 * @param type    the value producers put in {@code quarry_jobs.type}
 * @param kind    shell command, HTTP endpoint or Java class
 * @param target  the command line, the URL or the class name, exactly as configured
 * @param timeout the longest one run may take before it is stopped and retried (default 5m)
 */
public record HandlerConfig(String type, Kind kind, String target, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    public enum Kind {
        SHELL, HTTP, CLASS;

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
