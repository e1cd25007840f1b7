package dev.quarry.internal.drain;

/**
 * Asked by a running drain about once a second: should it end now, so that a node draining fewer
 * queues takes this one over? The drain then winds down as at the end of its budget and asks for
 * a follow-up fire, which the less busy node picks up.
 */
@FunctionalInterface
public interface Rebalancing {
    /** For a drain outside a cluster node (tests, tools): never hand over early. */
    Rebalancing NEVER = (queue, drain) -> false;

    /**
     * @param queue the queue of the drain that asks: only a node that serves it, with at least
     *              {@code drain} drains configured, can take it over
     * @param drain the asking drain's number
     */
    boolean shouldHandOver(String queue, int drain);
}
