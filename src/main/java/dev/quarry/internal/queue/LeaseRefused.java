package dev.quarry.internal.queue;

/**
 * Who holds a queue's lease when a drain could not take it, for the log line that says so and for
 * the drain's choice to wait: a holder Quartz no longer lists has most likely died, so its lease is
 * worth waiting out; a listed one is draining.
 *
 * @param expiresInMillis how long the lease still runs by the database's clock
 * @param holderCheckedIn whether the holder still has a check-in row in Quartz's scheduler state
 */
public record LeaseRefused(String queue, String holder, long epoch, long expiresInMillis, boolean holderCheckedIn) {
}
