package dev.quarry.drain;

/**
 * What a drain job asks of the rest of the cluster when Quartz fires it on a node that does not
 * serve its queue (nodes may list different {@code queues}).
 */
public interface OtherNodes {
    /** Outside a cluster node (tests, tools): nobody else to ask. */
    OtherNodes NONE = new OtherNodes() {
        @Override
        public boolean serve(String queue) {
            return false;
        }

        @Override
        public void leaveNextFiresToPeers() {
        }
    };

    /** Whether some live peer serves {@code queue}. */
    boolean serve(String queue);

    /** Holds this node back from acquiring fires for a moment, so a peer takes the next one. */
    void leaveNextFiresToPeers();
}
