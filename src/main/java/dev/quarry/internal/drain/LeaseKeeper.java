package dev.quarry.internal.drain;

import dev.quarry.internal.queue.Lease;
import dev.quarry.internal.queue.LeaseLostException;
import dev.quarry.internal.queue.LeaseRefused;
import dev.quarry.internal.queue.LeaseStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One drain's hold on its queue's lease: taking it, renewing it, and the start gate.
 *
 * <p>The rule that keeps a job off two nodes: a peer takes a lease only once its expiry has passed
 * by the database's clock ({@link LeaseStore#tryAcquire}), and this node starts no job, and stops
 * its running ones, once that expiry may have passed. The expiry the database writes is its
 * {@code NOW(6)} when the renewing statement ran plus the lease's duration; this node counts from
 * the moment before it sent that statement, on its monotonic clock, so its gate always closes
 * first, whatever the node's wall clock says and however long it stalled. A margin of a tenth of
 * the lease gives a handler that is interrupted at the gate time to stop before a peer may start
 * its job again.
 */
public final class LeaseKeeper {
    /** At a hand-over the lease of a drain that is finishing is free within moments: wait that long for it. */
    static final long HANDOVER_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How often a waiting drain asks for the lease again. */
    static final long RETAKE_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final LeaseStore store;
    private final String queue;
    private final int drain;
    private final String node;
    private final Duration duration;
    private final Ticker ticker;
    private final long durationNanos;
    private final long marginNanos;
    private final long renewEveryNanos;

    private Lease lease;
    /** Until when (ticker time) this drain may start jobs; no job starts, and running ones stop, after it. */
    private volatile long gateClosesNanos;
    private long nextRenewNanos;
    private long lastConfirmedSentNanos;
    private volatile boolean lost;

    public LeaseKeeper(LeaseStore store, String queue, int drain, String node, Duration duration, Ticker ticker) {
        this.store = store;
        this.queue = queue;
        this.drain = drain;
        this.node = node;
        this.duration = duration;
        this.ticker = ticker;
        this.durationNanos = duration.toNanos();
        this.marginNanos = durationNanos / 10;
        this.renewEveryNanos = durationNanos / 3;
    }

    /**
     * Takes the lease, waiting while that can pay off: up to {@link #HANDOVER_WAIT_NANOS} for a
     * holder Quartz still lists (a drain that is finishing), and until the lease expires for one
     * Quartz has dropped (most likely dead; if it was only stalled it renews, and this drain gives
     * up a lease period later). A holder that is alive and draining keeps its lease: the fire that
     * asked was Quartz's "is the previous drain still running?" check, and the answer is yes.
     *
     * @return the lease, or the last refusal
     */
    LeaseStore.Result take(BooleanSupplier stopRequested, Sleeper sleeper) {
        long start = ticker.nanos();
        long until = start + HANDOVER_WAIT_NANOS;
        long latest = start + durationNanos + HANDOVER_WAIT_NANOS;
        while (true) {
            long sent = ticker.nanos();
            LeaseStore.Result r = store.tryAcquire(queue, drain, node, duration);
            long now = ticker.nanos();
            if (r.acquired()) {
                taken(r.lease(), sent);
                return r;
            }
            until = waitLimit(r.refused(), now, until, latest);
            if (stopRequested.getAsBoolean() || now - until >= 0) return r;
            sleeper.sleep(Math.min(RETAKE_EVERY_NANOS, until - now));
        }
    }

    /** How long a drain that was refused may go on asking: pure, so the rule is unit-tested. */
    static long waitLimit(LeaseRefused refused, long now, long until, long latest) {
        if (refused.holderCheckedIn()) return until;
        long expiry = now + TimeUnit.MILLISECONDS.toNanos(refused.expiresInMillis()) + RETAKE_EVERY_NANOS;
        return Math.max(until, Math.min(expiry, latest));
    }

    private void taken(Lease l, long sentAtNanos) {
        lease = l;
        lost = false;
        confirmed(sentAtNanos);
    }

    /**
     * A transaction that extended the lease has committed; it was sent at {@code sentAtNanos}. The
     * gate now stays open until that moment plus the lease, minus the margin.
     */
    void confirmed(long sentAtNanos) {
        lastConfirmedSentNanos = sentAtNanos;
        gateClosesNanos = sentAtNanos + durationNanos - marginNanos;
        nextRenewNanos = sentAtNanos + renewEveryNanos;
    }

    /** Whether a worker may start a job now. Called from worker threads. */
    boolean mayStart() {
        return !lost && ticker.nanos() - gateClosesNanos < 0;
    }

    boolean renewDue() {
        return !lost && ticker.nanos() - nextRenewNanos >= 0;
    }

    long nextRenewNanos() {
        return nextRenewNanos;
    }

    /** When the last transaction that extended the lease was sent (ticker time). */
    long lastConfirmedSentNanos() {
        return lastConfirmedSentNanos;
    }

    /** @throws LeaseLostException when another drain has taken the lease over */
    void renew() {
        long sent = ticker.nanos();
        try {
            store.renew(lease, duration);
        } catch (LeaseLostException e) {
            lost = true;
            throw e;
        }
        confirmed(sent);
    }

    /** The lease was found taken over (by a claim's renewal, or a failed release). */
    void lost() {
        if (!lost) dev.quarry.internal.metrics.NodeMetrics.get().leaseLost(queue);
        lost = true;
    }

    boolean isLost() {
        return lost;
    }

    /** Gives the lease back so the next drain need not wait for it; false when it was no longer ours. */
    boolean release() {
        return store.release(lease);
    }

    Lease lease() {
        return lease;
    }

    Duration duration() {
        return duration;
    }

    /** Waits; a seam so the waiting rules run on a test clock. */
    @FunctionalInterface
    interface Sleeper {
        Sleeper SYSTEM = nanos -> {
            try {
                TimeUnit.NANOSECONDS.sleep(nanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };

        void sleep(long nanos);
    }
}
