package dev.quarry.internal.queue;

import dev.quarry.QuarryException;

/** A drain's lease was taken over (or its row changed) while it ran: it must stop claiming at once. */
public final class LeaseLostException extends QuarryException {
    public LeaseLostException(Lease lease) {
        super("lease of drain " + lease.drainName() + " (epoch " + lease.epoch() + ") held by " + lease.holder()
                + " was lost: another node took the drain over");
    }
}
