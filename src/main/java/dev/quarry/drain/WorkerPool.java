package dev.quarry.drain;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The handler threads of one queue on this node, named {@code quarry-QUEUE-worker-N}. It lives as
 * long as the node; successive drains of the queue share it. The drain bounds how much it queues.
 */
public final class WorkerPool implements AutoCloseable {
    private final String queue;
    private final ThreadPoolExecutor executor;

    public WorkerPool(String queue, int workers) {
        this.queue = queue;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "quarry-" + queue + "-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    ExecutorService executor() {
        return executor;
    }

    public int workers() {
        return executor.getMaximumPoolSize();
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
