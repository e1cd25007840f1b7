package dev.quarry.internal.queue;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter: attempt n waits base * 2^(n-1), capped at max, then scaled by
 * a random factor in [0.5, 1.0) so a burst of failures does not come back as a burst.
 */
public final class RetryPolicy {
    private final Duration base;
    private final Duration max;
    private final DoubleSupplier random;

    public RetryPolicy(Duration base, Duration max, DoubleSupplier random) {
        this.base = base;
        this.max = max;
        this.random = random;
    }

    public RetryPolicy(Duration base, Duration max) {
        this(base, max, () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
    }

    /** The delay before the attempt after {@code failedAttempt} (1 for the first failure). */
    public Duration delayAfter(int failedAttempt) {
        int shift = Math.min(Math.max(failedAttempt - 1, 0), 40);
        double full = Math.min((double) base.toMillis() * (1L << shift), (double) max.toMillis());
        double jittered = full * (0.5 + 0.5 * random.getAsDouble());
        return Duration.ofMillis(Math.max(1, Math.round(jittered)));
    }
}
