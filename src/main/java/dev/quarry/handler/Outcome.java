package dev.quarry.handler;

import java.time.Duration;
import java.util.Objects;

/** How one run of a handler ended. */
public sealed interface Outcome {

    /** The job is done, with no result. */
    static Outcome done() {
        return Done.NO_RESULT;
    }

    /**
     * The job is done, and {@code result} is what it made (a URL, a JSON document): stored in the
     * row's {@code result} column for the producer to read, cut to {@code payload.max-bytes} bytes.
     * Null is the same as {@link #done()}.
     */
    static Outcome done(String result) {
        return result == null ? Done.NO_RESULT : new Done(result);
    }

    /** The run failed: retry with backoff while attempts remain, then dead. Same as throwing. */
    static Outcome failed(String error) {
        return new Failed(Objects.requireNonNull(error));
    }

    /** The job can never succeed (bad payload, rejected by the far side): dead now, no retry. */
    static Outcome permanentFailure(String error) {
        return new PermanentFailure(Objects.requireNonNull(error));
    }

    /** Run again after {@code delay} without using up an attempt (the job is not due yet, a resource is busy). */
    static Outcome later(Duration delay, String why) {
        if (delay.isNegative()) throw new IllegalArgumentException("delay must not be negative: " + delay);
        return new Later(delay, Objects.requireNonNull(why));
    }

    /** @param result what the job made, or null */
    record Done(String result) implements Outcome {
        static final Done NO_RESULT = new Done(null);
    }

    record Failed(String error) implements Outcome {
    }

    record PermanentFailure(String error) implements Outcome {
    }

    record Later(Duration delay, String why) implements Outcome {
    }
}
