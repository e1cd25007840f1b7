package dev.quarry.internal.cluster;

import java.util.Collection;

/**
 * The balancing rules, as pure functions of how many drains each live node runs. They need no
 * count of queues, so nodes that serve different queues do not confuse them.
 */
final class FairShare {
    private FairShare() {
    }

    /**
     * A node may start another drain unless a live peer runs fewer than it does: that peer is the
     * better place for it, and it will acquire the trigger at its next look.
     */
    static boolean mayStartAnother(int mine, Collection<Integer> peers) {
        for (int p : peers) {
            if (p < mine) return false;
        }
        return true;
    }

    /**
     * One of this node's drains should hand its queue over when this node runs at least two more
     * than the least busy peer: moving one then evens the load, while with a gap of one it would
     * only move the imbalance to the other node.
     */
    static boolean shouldShed(int mine, Collection<Integer> peers) {
        int least = Integer.MAX_VALUE;
        for (int p : peers) least = Math.min(least, p);
        return !peers.isEmpty() && mine >= least + 2;
    }
}
