package dev.quarry.internal.drain;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock the test moves by hand; it starts far from zero, as System.nanoTime may. */
final class ManualTicker implements Ticker {
    private final AtomicLong now = new AtomicLong(-7_000_000_000_000L);

    @Override
    public long nanos() {
        return now.get();
    }

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }
}
