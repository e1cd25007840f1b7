package dev.quarry.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * A job to enqueue: one future row of {@code quarry_jobs}. Checked when built, so a bad value is
 * refused with a message naming the field before anything reaches the database.
 *
 * <pre>{@code
 * NewJob.of("resize-video", "{\"file\":\"a.mp4\"}");
 * NewJob.builder("send-welcome").payload("{\"user\":7}").queue("mail").delay(Duration.ofMinutes(5)).build();
 * }</pre>
 *
 * @param type        the handler's name (required; letters, digits, {@code _ . : -}, up to 128)
 * @param payload     handed to the handler as is (default {@code ""}; at most 16 MiB - 1 bytes of UTF-8)
 * @param queue       the queue that runs it (default {@code "default"}; letters, digits, {@code _ . -}, up to 64)
 * @param priority    lower runs first (default 0)
 * @param runAt       when it becomes due; converted to database time by the database itself
 *                    ({@code FROM_UNIXTIME}); null: see {@code delay}
 * @param delay       due this long after the database's {@code NOW(6)} at insert, never the caller's
 *                    clock (default zero: due at once); null when {@code runAt} is set
 * @param maxAttempts attempts before the job goes dead, 1 to 1000 (default null: the node's
 *                    {@code retry.max-attempts}, 5 unless configured)
 * @param uniqueKey   at most one job with this key may be scheduled, ready or running at a time; a second is
 *                    refused ({@link DuplicateJobException}) or skipped (default null: no key; up to 255 characters)
 */
public record NewJob(String type, String payload, String queue, int priority, Instant runAt, Duration delay,
                     Integer maxAttempts, String uniqueKey) {

    public static final String DEFAULT_QUEUE = "default";
    public static final String DEFAULT_PAYLOAD = "";
    public static final int DEFAULT_PRIORITY = 0;

    // The same names a node accepts in config (ConfigLoader): a job outside them could never be run.
    private static final Pattern TYPE_NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final Pattern QUEUE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    /** MEDIUMTEXT holds 16 MiB - 1 bytes. */
    static final int PAYLOAD_MAX_BYTES = 16 * 1024 * 1024 - 1;
    static final int UNIQUE_KEY_MAX_CHARS = 255;
    // FROM_UNIXTIME gives NULL outside this range, which would silently mean "due now".
    private static final Instant EARLIEST = Instant.EPOCH;
    private static final Instant LATEST = Instant.ofEpochSecond(4_294_967_295L);
    /** Far enough for any real schedule, and NOW(6) + delay stays inside DATETIME's range. */
    static final Duration MAX_DELAY = Duration.ofDays(36_500);

    public NewJob {
        if (type == null) throw new IllegalArgumentException("type is required");
        if (!TYPE_NAME.matcher(type).matches()) {
            throw new IllegalArgumentException("type '" + type + "' is not a job type (letters, digits, _ . : -, 1 to 128 characters)");
        }
        payload = payload == null ? DEFAULT_PAYLOAD : payload;
        // Cheap first: only a payload that could be too long is measured in UTF-8.
        if ((long) payload.length() * 3 > PAYLOAD_MAX_BYTES && payload.getBytes(StandardCharsets.UTF_8).length > PAYLOAD_MAX_BYTES) {
            throw new IllegalArgumentException("payload of a '" + type + "' job is longer than " + PAYLOAD_MAX_BYTES + " bytes (the MEDIUMTEXT column's limit)");
        }
        queue = queue == null ? DEFAULT_QUEUE : queue;
        if (!QUEUE_NAME.matcher(queue).matches()) {
            throw new IllegalArgumentException("queue '" + queue + "' is not a queue name (letters, digits, _ . -, 1 to 64 characters)");
        }
        if (runAt != null && delay != null) {
            throw new IllegalArgumentException("a job has either runAt or delay, not both");
        }
        if (runAt != null && (runAt.isBefore(EARLIEST) || !runAt.isBefore(LATEST))) {
            throw new IllegalArgumentException("runAt " + runAt + " is outside " + EARLIEST + " to " + LATEST + " (the range of MariaDB's FROM_UNIXTIME)");
        }
        if (delay != null && (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0)) {
            throw new IllegalArgumentException("delay " + delay + " must be between zero (due now) and " + MAX_DELAY.toDays() + " days");
        }
        if (maxAttempts != null && (maxAttempts < 1 || maxAttempts > 1000)) {
            throw new IllegalArgumentException("maxAttempts " + maxAttempts + " must be between 1 and 1000");
        }
        if (uniqueKey != null && (uniqueKey.isEmpty() || uniqueKey.length() > UNIQUE_KEY_MAX_CHARS)) {
            throw new IllegalArgumentException("uniqueKey must be 1 to " + UNIQUE_KEY_MAX_CHARS + " characters, not " + uniqueKey.length());
        }
    }

    /** A job of {@code type} with {@code payload} and every other default: queue "default", due now. */
    public static NewJob of(String type, String payload) {
        return new NewJob(type, payload, null, DEFAULT_PRIORITY, null, null, null, null);
    }

    /** Whether {@code name} can name a queue: letters, digits, {@code _ . -}, 1 to 64 characters, as a node's config demands. */
    public static boolean isQueueName(String name) {
        return name != null && QUEUE_NAME.matcher(name).matches();
    }

    public static Builder builder(String type) {
        return new Builder(type);
    }

    /** The delay in microseconds, the unit of {@code INTERVAL ? MICROSECOND}; 0 when none. */
    long delayMicros() {
        if (delay == null) return 0;
        return delay.getSeconds() * 1_000_000L + delay.getNano() / 1000;
    }

    /** Builds a {@link NewJob}; every setter is optional and its default is the record's. */
    public static final class Builder {
        private final String type;
        private String payload = DEFAULT_PAYLOAD;
        private String queue = DEFAULT_QUEUE;
        private int priority = DEFAULT_PRIORITY;
        private Instant runAt;
        private Duration delay;
        private Integer maxAttempts;
        private String uniqueKey;

        private Builder(String type) {
            this.type = type;
        }

        /** Default {@code ""}. */
        public Builder payload(String payload) {
            this.payload = payload;
            return this;
        }

        /** Default {@code "default"}. */
        public Builder queue(String queue) {
            this.queue = queue;
            return this;
        }

        /** Lower runs first; default 0. */
        public Builder priority(int priority) {
            this.priority = priority;
            return this;
        }

        /** Due at this instant (converted by the database); clears any delay. */
        public Builder runAt(Instant runAt) {
            this.runAt = runAt;
            this.delay = null;
            return this;
        }

        /** Due this long after the database's clock at insert; clears any runAt. Default: due at once. */
        public Builder delay(Duration delay) {
            this.delay = delay;
            this.runAt = null;
            return this;
        }

        /** 1 to 1000; default null: the node's retry.max-attempts. */
        public Builder maxAttempts(Integer maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Default null: no key. */
        public Builder uniqueKey(String uniqueKey) {
            this.uniqueKey = uniqueKey;
            return this;
        }

        public NewJob build() {
            return new NewJob(type, payload, queue, priority, runAt, delay, maxAttempts, uniqueKey);
        }
    }
}
