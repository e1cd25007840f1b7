package dev.quarry.internal.drain;

import dev.quarry.QuarryException;
import dev.quarry.internal.queue.LeaseLostException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a drain, after it stopped claiming. A hand-over (rebalance, budget) lets the running
 * jobs finish under a renewed lease; a shutdown gives them the grace period, then interrupts them
 * and gives them back; a lost lease interrupts them at once, since a peer owns their claims now.
 * A handler that ignores the interrupt is abandoned after {@value Dispatcher#ABANDON_AFTER_SECONDS}
 * s. Then every outcome is recorded, retrying a failing database for up to a lease period, and the
 * lease is released so the next drain need not wait for it to expire.
 */
final class Settler {
    private static final Logger log = LoggerFactory.getLogger(Drain.class);

    private final Drain d;

    Settler(Drain drain) {
        this.d = drain;
    }

    void settle() {
        boolean interrupted = false;
        while (!d.dispatcher.idle()) {
            boolean graceOver = d.stopRequested && d.ticker.nanos() - d.graceEndNanos >= 0;
            if (!interrupted && (d.keeper.isLost() || graceOver)) {
                int n = d.dispatcher.interruptAll(Dispatcher.Stop.GIVE_BACK);
                if (n > 0) {
                    log.warn("interrupting {} running jobs of drain {} ({})", n, d.name, d.keeper.isLost() ? "lease lost" : "shutdown grace over");
                }
                interrupted = true;
            }
            d.outcomes.addAll(d.dispatcher.checkTimeouts());
            if (!d.keeper.isLost()) {
                try {
                    if (d.outcomes.hasDone() && !d.backingOff()) d.round(0);
                    d.renewIfDue();
                    d.recordOthers();
                    d.checkCancelRequests();
                } catch (LeaseLostException e) {
                    d.loseLease(e);
                    continue;
                }
            }
            long wakeAt = Math.min(d.dispatcher.nextDeadlineNanos(), d.keeper.nextRenewNanos());
            if (d.stopRequested && !interrupted) wakeAt = Math.min(wakeAt, d.graceEndNanos);
            if (d.outcomes.unrecorded()) wakeAt = Math.min(wakeAt, d.retryAtNanos());
            d.collect(Math.max(TimeUnit.MILLISECONDS.toNanos(1), wakeAt - d.ticker.nanos()));
        }
        flush();
        if (!d.unconfirmed.tokens().isEmpty() && !d.keeper.isLost() && !d.returnUnconfirmed()) {
            log.warn("drain {} could not look for the jobs of a claim whose commit was not confirmed; if it took any, the drain's"
                    + " next holder rescues them", d.name);
        }
        if (!d.keeper.isLost()) {
            try {
                if (!d.keeper.release()) d.loseLease(new LeaseLostException(d.keeper.lease()));
            } catch (QuarryException e) {
                log.warn("could not release the lease of drain {}; it expires by itself: {}", d.name, e.getMessage());
            }
        }
    }

    /** Records what is left, retrying a failing database for up to a lease period. */
    private void flush() {
        long until = d.ticker.nanos() + d.keeper.duration().toNanos();
        while (d.outcomes.unrecorded() && d.ticker.nanos() - until < 0) {
            if (d.backingOff()) {
                sleep(d.retryAtNanos() - d.ticker.nanos());
                continue;
            }
            try {
                d.outcomes.recordDoneAlone();
                d.outcomes.recordOthers();
                d.recovered();
            } catch (QuarryException e) {
                d.trouble(e);
            }
        }
        if (d.outcomes.unrecorded()) {
            log.error("{} outcomes of drain {} could not be recorded; those jobs stay running until the next drain rescues and reruns them",
                    d.outcomes.waiting(), d.name);
        }
    }

    private static void sleep(long nanos) {
        if (nanos <= 0) return;
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
