package dev.quarry.internal.queue;

/**
 * The right of one drain of a queue to claim from it. A queue has {@code queue.Q.drains} drains,
 * numbered from 1, each with a lease row of its own. Every take-over raises that row's epoch, so
 * jobs claimed by the drain under a lower epoch are known to belong to a drain that is gone.
 */
public record Lease(String queue, int drain, String holder, long epoch) {
    /** The drain's name in logs and status: the queue's name for drain 1, {@code queue#N} for the others. */
    public String drainName() {
        return Drains.name(queue, drain);
    }
}
