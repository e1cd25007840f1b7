package dev.quarry;

import dev.quarry.internal.node.Node;
import java.time.Duration;

/**
 * A running node, made by {@link NodeBuilder#start()}: it drains its queues until it is stopped.
 * Closing it stops it with the configured shutdown grace. Thread-safe; a second stop waits for the
 * first.
 */
public final class QuarryNode implements AutoCloseable {
    private final Node node;

    QuarryNode(Node node) {
        this.node = node;
    }

    /** The node's Quartz instance id: how {@code bin/quarry status} and the job rows' {@code claimed_by} name it. */
    public String name() {
        return node.name();
    }

    /**
     * Stops gracefully: no new claims; running jobs get {@code grace} to finish, then they are
     * interrupted and given back to the queue for another node. Returns within {@code grace} and a
     * few seconds, even when the database is unreachable.
     */
    public void stop(Duration grace) {
        if (grace.isNegative()) throw new IllegalArgumentException("grace must not be negative: " + grace);
        node.stop(grace);
    }

    /** Blocks until the node has stopped. */
    public void awaitStopped() {
        node.awaitStopped();
    }

    /** {@link #stop(Duration)} with the shutdown grace the node was built with. */
    @Override
    public void close() {
        node.stop();
    }
}
