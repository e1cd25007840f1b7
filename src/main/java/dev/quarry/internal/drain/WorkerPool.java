package dev.quarry.internal.drain;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The handler threads of one queue on this node, named {@code quarry-QUEUE-worker-N}. It lives as
 * long as the node; successive drains of the queue share it. {@link #workers()} is the queue's
 * concurrency on this node: the drain never runs more jobs than that at once. The threads
 * themselves are not capped, so a handler thread that ignores its interrupt can be abandoned and
 * replaced without shrinking the queue's capacity; idle threads end after a minute.
 */
public final class WorkerPool implements AutoCloseable {
    private final String queue;
    private final int workers;
    private final ThreadPoolExecutor executor;

    public WorkerPool(String queue, int workers) {
        this.queue = queue;
        this.workers = workers;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "quarry-" + queue + "-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    ExecutorService executor() {
        return executor;
    }

    public int workers() {
        return workers;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "workers of queue " + queue;
    }
}
