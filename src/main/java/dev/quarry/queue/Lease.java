package dev.quarry.queue;

/**
 * The right to claim from one queue, held by one drain. Every take-over raises the epoch, so
 * jobs claimed under a lower epoch are known to belong to a drain that is gone.
 */
public record Lease(String queue, String holder, long epoch) {
}
