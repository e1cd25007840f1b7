package dev.quarry.drain;

import java.util.concurrent.TimeUnit;

/**
 * How fast a drain's jobs finish, and so how many it should hold claimed beyond the running ones:
 * about half a second's worth, between the worker count and the batch size. Fast jobs get big
 * batches (one transaction per batch is what bounds throughput); slow jobs are not hoarded, so a
 * node that dies holds few of them. Used by the drain's thread only.
 */
final class Pace {
    /** Jobs held claimed beyond the running ones: this many seconds of the queue's pace. */
    static final double PREFETCH_SECONDS = 0.5;
    private static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private double perSecond;
    private long windowStartNanos;
    private int windowCount;

    /** Counts one finished run, measured over windows of a quarter second. */
    void finished(long nowNanos) {
        if (windowStartNanos == 0) windowStartNanos = nowNanos;
        windowCount++;
        long elapsed = nowNanos - windowStartNanos;
        if (elapsed >= WINDOW_NANOS) {
            perSecond = windowCount * 1e9 / elapsed;
            windowStartNanos = nowNanos;
            windowCount = 0;
        } else if (elapsed >= WINDOW_NANOS / 5) {
            // early in a window, ramp up, never down: a fresh drain on a backlog reaches full batches at once
            perSecond = Math.max(perSecond, windowCount * 1e9 / elapsed);
        }
    }

    double perSecond() {
        return perSecond;
    }

    /** How many jobs to hold beyond the running ones. */
    int prefetch(int workers, int batch) {
        return (int) Math.max(workers, Math.min(batch, Math.ceil(perSecond * PREFETCH_SECONDS)));
    }
}
