package dev.quarry.internal.drain;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The tokens of a drain's claims whose commit was not confirmed (the connection broke while the
 * COMMIT's reply was on its way), and when to look for the rows they may have taken. Such a claim
 * committed or it did not; if it did, its jobs are running under this drain's own lease epoch, so
 * no rescue would ever take them while this drain lives, and none of its workers runs them. The
 * drain gives them back ({@link dev.quarry.internal.queue.JobQueue#returnUnconfirmed}) as soon as
 * the database answers again, and looks again every {@value #LOOK_AGAIN_SECONDS} s: a claim's
 * transaction the server has not yet seen end (a silent connection) may still commit. It stops
 * looking after a lease period without another unconfirmed claim, and only once a look came after
 * a renewal of the lease sent after that claim: the claim's UPDATE share-locks the lease row, so
 * a renewal that commits proves the claim's transaction has ended. Used only by the drain's thread.
 */
final class UnconfirmedClaims {
    static final int LOOK_AGAIN_SECONDS = 5;
    private static final long LOOK_AGAIN_NANOS = TimeUnit.SECONDS.toNanos(LOOK_AGAIN_SECONDS);

    private final long watchNanos;
    private final Set<Long> tokens = new LinkedHashSet<>();
    private long lastAddedNanos;
    private long nextLookNanos;
    /** Whether a claim was added since the last look. */
    private boolean unlooked;

    /** @param watchNanos how long after the last unconfirmed claim to keep looking: the lease's duration */
    UnconfirmedClaims(long watchNanos) {
        this.watchNanos = watchNanos;
    }

    void add(long token, long now) {
        tokens.add(token);
        lastAddedNanos = now;
        nextLookNanos = now;
        unlooked = true;
    }

    /** Whether an unconfirmed claim has not been looked for yet: its jobs may be waiting to be given back. */
    boolean unlooked() {
        return unlooked;
    }

    Set<Long> tokens() {
        return tokens;
    }

    boolean lookDue(long now) {
        return !tokens.isEmpty() && now - nextLookNanos >= 0;
    }

    /**
     * A look has given back whatever the claims had taken.
     *
     * @param lastRenewalSentNanos when the last renewal of the lease that committed was sent
     */
    void looked(long now, long lastRenewalSentNanos) {
        unlooked = false;
        if (now - lastAddedNanos >= watchNanos && lastRenewalSentNanos - lastAddedNanos > 0) {
            tokens.clear();
        } else {
            nextLookNanos = now + LOOK_AGAIN_NANOS;
        }
    }

    /** When the next look is due; far ahead when there is nothing to look for. */
    long nextLookNanos(long now) {
        return tokens.isEmpty() ? now + TimeUnit.DAYS.toNanos(1) : nextLookNanos;
    }
}
