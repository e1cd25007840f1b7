package dev.quarry.internal.cluster;

import dev.quarry.QuarryException;
import dev.quarry.internal.drain.Rebalancing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spreads the queues' drains over the cluster's nodes. Quartz alone keeps them on whichever node
 * fired them first: a finishing drain wakes its own node's scheduler thread at once, while the
 * peers look only every idle wait, so the same node fires the queue again, period after period.
 *
 * <p>Two levers, both driven by how many drains each live node runs (leases held, read from the
 * database at most every {@link #FRESH_NANOS}):
 * <ul>
 * <li>{@link BalancingThreadPool} holds back this node's scheduler thread while a peer runs fewer
 * drains than this node, so that peer acquires the trigger instead; for at most {@code maxDefer},
 * after which this node fires it anyway: balance never costs more than a short delay.</li>
 * <li>{@link #shouldHandOver} asks one running drain to end early when, for {@link #SETTLE_NANOS}
 * (a node that joined, a peer that came back), this node runs at least two more drains than some
 * peer, or at least two more drains of that drain's queue than some peer does; then nothing more
 * for {@link #COOLDOWN_NANOS}, while the peer takes the drain over, and the next one only if the
 * imbalance lasted all that time. The second rule spreads a queue's drains: a node holds two
 * drains of a queue only while every live peer that can run them holds at least one (more drains
 * than live nodes: some nodes hold two or more, never two more than another).</li>
 * </ul>
 * A drain is handed over only to a peer that runs it ({@code quarry_node_queues}): nodes may list
 * different queues, and different drains of a queue. When the database cannot be read, neither
 * lever acts.
 */
public final class Balancer implements Rebalancing {
    private static final Logger log = LoggerFactory.getLogger(Balancer.class);
    static final long FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final long COOLDOWN_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String node;
    private final Supplier<Map<String, Map<String, Integer>>> drainsByLiveNode;
    private final Supplier<Map<String, Map<String, Integer>>> queuesByLiveNode;
    private final IntSupplier runningHere;
    /** Per queue, most of its drains one node holds (this node's config; the balancer takes peers to share it). */
    private final java.util.function.ToIntFunction<String> drainsPerNode;
    private final Duration maxDefer;
    private final LongSupplier clock;

    private Map<String, Map<String, Integer>> snapshot = Map.of();
    private Map<String, Map<String, Integer>> served = Map.of();
    private long snapshotNanos;
    /** Per drain, since when it could have gone to a less busy node that runs it: every drain asks for itself. */
    private final Map<String, Long> imbalancedSinceNanos = new java.util.HashMap<>();
    private long cooldownUntilNanos;

    /**
     * @param drainsByLiveNode live nodes and the drains each holds, per queue, as {@code LeaseStore.drainsByLiveNode}
     * @param queuesByLiveNode live nodes and the queues each serves, with their drains, as {@code NodeQueues.byLiveNode}
     * @param runningHere      drains running on this node now (the thread pool knows at once)
     * @param drainsPerNode    per queue, most of its drains one node may hold ({@code queue.Q.drains-per-node}):
     *                         a peer that holds that many of a queue's drains cannot take another
     * @param maxDefer         longest hold on this node's scheduler thread in favour of a peer
     */
    public Balancer(String node, Supplier<Map<String, Map<String, Integer>>> drainsByLiveNode,
                    Supplier<Map<String, Map<String, Integer>>> queuesByLiveNode,
                    IntSupplier runningHere, java.util.function.ToIntFunction<String> drainsPerNode, Duration maxDefer) {
        this(node, drainsByLiveNode, queuesByLiveNode, runningHere, drainsPerNode, maxDefer, System::nanoTime);
    }

    /** @param clock nanoseconds, as {@link System#nanoTime()}; a test's own clock */
    Balancer(String node, Supplier<Map<String, Map<String, Integer>>> drainsByLiveNode,
             Supplier<Map<String, Map<String, Integer>>> queuesByLiveNode,
             IntSupplier runningHere, java.util.function.ToIntFunction<String> drainsPerNode, Duration maxDefer, LongSupplier clock) {
        this.node = node;
        this.drainsByLiveNode = drainsByLiveNode;
        this.queuesByLiveNode = queuesByLiveNode;
        this.runningHere = runningHere;
        this.drainsPerNode = drainsPerNode;
        this.maxDefer = maxDefer;
        this.clock = clock;
    }

    Duration maxDefer() {
        return maxDefer;
    }

    /** Whether this node's scheduler may take on another drain now; see {@link FairShare#mayStartAnother}. */
    boolean mayStartAnother() {
        List<Integer> peers = peers(null, 0, null);
        return peers == null || FairShare.mayStartAnother(runningHere.getAsInt(), peers);
    }

    @Override
    public synchronized boolean shouldHandOver(String queue, int drain) {
        long now = clock.getAsLong();
        String key = queue + "#" + drain;
        List<Integer> peers = peers(queue, drain, null);
        List<Integer> peersOfQueue = peers(queue, drain, queue);
        // The drains this node holds, counted as the peers' are (their leases): the Quartz jobs running here also
        // count the short fires that only rescue or hand a drain on, and a node busy with one of those next to
        // its one drain would shed that drain to a peer with none (seen with a peer whose clock ran ahead,
        // which declares this node dead every 7.5 s and so fires its drain here again and again).
        int mine = snapshot == null ? runningHere.getAsInt() : snapshot.getOrDefault(node, Map.of()).values().stream().mapToInt(Integer::intValue).sum();
        int mineOfQueue = snapshot == null ? 0 : snapshot.getOrDefault(node, Map.of()).getOrDefault(queue, 0);
        boolean uneven = peers != null && FairShare.shouldShed(mine, peers);
        boolean unevenQueue = peersOfQueue != null && FairShare.shouldShed(mineOfQueue, peersOfQueue);
        if (!uneven && !unevenQueue) {
            imbalancedSinceNanos.remove(key);
            return false;
        }
        long since = imbalancedSinceNanos.computeIfAbsent(key, q -> now);
        if (now - since < SETTLE_NANOS || now < cooldownUntilNanos) return false;
        // Still uneven a cooldown from now (settle < cooldown), the next drain goes then.
        imbalancedSinceNanos.replaceAll((q, t) -> now);
        cooldownUntilNanos = now + COOLDOWN_NANOS;
        if (uneven) {
            log.info("node {} runs {} drains, a peer that runs drain {} runs {}: that drain hands over to even the load", node, mine,
                    dev.quarry.internal.queue.Drains.name(queue, drain), peers.stream().mapToInt(Integer::intValue).min().orElse(0));
        } else {
            log.info("node {} holds {} drains of queue {}, a peer that runs drain {} holds {}: that drain hands over to spread the queue",
                    node, mineOfQueue, queue, dev.quarry.internal.queue.Drains.name(queue, drain),
                    peersOfQueue.stream().mapToInt(Integer::intValue).min().orElse(0));
        }
        return true;
    }

    /**
     * What the live peers hold (those that run drain {@code drain} of {@code queue} and have room
     * for another of its drains, unless the queue is null): all their drains, or only those of
     * {@code countQueue} when it is set; null when the database cannot be read.
     */
    private synchronized List<Integer> peers(String queue, int drain, String countQueue) {
        long now = clock.getAsLong();
        if (snapshotNanos == 0 || now - snapshotNanos > FRESH_NANOS) {
            snapshotNanos = now;
            try {
                snapshot = drainsByLiveNode.get();
                served = queuesByLiveNode.get();
            } catch (QuarryException e) {
                log.debug("cannot read the cluster's drains, not balancing: {}", e.getMessage());
                snapshot = null; // until the next read, at most FRESH_NANOS later
            }
        }
        if (snapshot == null) return null;
        List<Integer> peers = new ArrayList<>();
        snapshot.forEach((id, held) -> {
            if (id.equals(node)) return;
            if (queue != null && served.getOrDefault(id, Map.of()).getOrDefault(queue, 0) < drain) return;
            if (queue != null && held.getOrDefault(queue, 0) >= drainsPerNode.applyAsInt(queue)) return; // no room there
            peers.add(countQueue == null ? held.values().stream().mapToInt(Integer::intValue).sum() : held.getOrDefault(countQueue, 0));
        });
        return peers;
    }
}
