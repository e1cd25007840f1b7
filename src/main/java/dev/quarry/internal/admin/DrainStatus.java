package dev.quarry.internal.admin;

/**
 * One drain of a queue, as {@code quarry status} shows it: its lease row, and the jobs it runs.
 *
 * @param drain           the drain's number, from 1
 * @param name            how logs name it: the queue's name for drain 1, {@code queue#N} for the others
 * @param holder          the node whose drain holds the lease now; null when it is free
 * @param epoch           the lease's epoch: raised at every take-over
 * @param expiresInMillis time left on a held lease; null when free
 * @param running         jobs running under this drain now (claimed by it and not finished)
 * @param configured      whether a live node is configured to run this drain ({@code queue.Q.drains} at least
 *                        this number); false for the row of a drain removed from every live node's config, or
 *                        of a queue no live node serves
 */
public record DrainStatus(int drain, String name, String holder, long epoch, Long expiresInMillis, long running, boolean configured) {
}
