package dev.quarry.internal.config;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How jobs of one type are run.
 *
 * @param type    the value producers put in {@code quarry_jobs.type}
 * @param kind    shell command, HTTP endpoint, Java class or SMTP server
 * @param target  the command line, the URL, the class name or the smtp:// URL, exactly as configured
 * @param timeout the longest one run may take before it is stopped and retried (default 5m)
 */
public record HandlerConfig(String type, Kind kind, String target, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = dev.quarry.NodeBuilder.DEFAULT_HANDLER_TIMEOUT;

    /** The job types {@code handler.TYPE.*} keys can name: what {@link ConfigLoader} accepts. */
    static final Pattern TYPE_NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    /** {@link #TYPE_NAME} in words, for messages. */
    public static final String TYPE_NAME_RULE = "letters, digits, _ . : -, up to 128";

    /** Whether a handler can be configured for {@code type}: a {@code handler.TYPE.*} key the loader accepts. */
    public static boolean validTypeName(String type) {
        return type != null && TYPE_NAME.matcher(type).matches();
    }

    /**
     * The key that configures {@code kind} for {@code type} as it must be written in a properties
     * file, e.g. {@code handler.resize-video.shell}; a ':' in the type is written {@code \:}, since
     * an unescaped one ends the key.
     */
    public static String key(String type, Kind kind) {
        return "handler." + type.replace(":", "\\:") + "." + kind.key();
    }

    public enum Kind {
        SHELL, HTTP, CLASS, MAIL,
        /** A handler object given to the Java builder; its target is the object's class name. */
        OBJECT;

        /** The kinds a {@code handler.TYPE.KIND} key configures. */
        public static final java.util.List<Kind> CONFIGURABLE = java.util.List.of(SHELL, HTTP, CLASS, MAIL);

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
