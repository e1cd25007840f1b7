package dev.quarry.internal.drain;

/**
 * What a drain job asks of the rest of the cluster when Quartz fires it on a node that does not
 * run that drain (nodes may list different {@code queues}, and different drains per queue).
 */
public interface OtherNodes {
    /** Outside a cluster node (tests, tools): nobody else to ask. */
    OtherNodes NONE = new OtherNodes() {
        @Override
        public boolean serve(String queue, int drain) {
            return false;
        }

        @Override
        public boolean roomFor(String queue, int drain, int heldHere) {
            return false;
        }

        @Override
        public void leaveNextFiresToPeers() {
        }
    };

    /** Whether some live peer serves {@code queue} with at least {@code drain} drains configured. */
    boolean serve(String queue, int drain);

    /**
     * Whether some live peer that runs drain {@code drain} of {@code queue} holds fewer of the
     * queue's drains than {@code heldHere}, the number this node holds.
     */
    boolean roomFor(String queue, int drain, int heldHere);

    /** Holds this node back from acquiring fires for a moment, so a peer takes the next one. */
    void leaveNextFiresToPeers();
}
