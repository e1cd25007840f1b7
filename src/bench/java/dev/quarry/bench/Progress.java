package dev.quarry.bench;

import java.util.function.LongSupplier;

/**
 * Prints how far a long run has got to stderr every 10 s, so a run that will not finish in time
 * shows where it stands. The estimate must be cheap for the database (an index probe, not a COUNT).
 */
final class Progress implements AutoCloseable {
    private static final long PERIOD_MS = 10_000;

    private final Thread thread;

    /** @param doneEstimate jobs done so far, roughly; a negative value is not printed */
    Progress(String label, long total, LongSupplier doneEstimate) {
        long t0 = System.nanoTime();
        thread = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(PERIOD_MS);
                    long done = doneEstimate.getAsLong();
                    if (done < 0) continue;
                    double s = (System.nanoTime() - t0) / 1e9;
                    System.err.printf("bench: %s: ~%d of %d done (%.0f%%) after %.0f s%n", label, done, total, 100.0 * done / total, s);
                }
            } catch (InterruptedException e) {
                // closed
            } catch (RuntimeException e) {
                System.err.println("bench: " + label + ": progress unavailable: " + e.getMessage());
            }
        }, "quarry-bench-progress");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
