package dev.quarry.testing;

import dev.quarry.internal.config.ConfigLoader;
import dev.quarry.internal.config.QuarryConfig;
import dev.quarry.internal.drain.Drain;
import dev.quarry.internal.drain.DrainSummary;
import dev.quarry.internal.drain.ProgressWriter;
import dev.quarry.internal.queue.ProgressStore;
import dev.quarry.internal.drain.QueueRuntime;
import dev.quarry.internal.drain.WorkerPool;
import dev.quarry.internal.handler.HandlerRegistry;
import dev.quarry.handler.JobHandler;
import dev.quarry.internal.queue.JobQueue;
import dev.quarry.internal.queue.LeaseStore;
import dev.quarry.internal.queue.Transactions;
import java.io.IOException;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import javax.sql.DataSource;

/** One queue's drain machinery on a test database, without Quartz: drains run on the calling thread. */
public final class TestRuntime implements AutoCloseable {
    public final QuarryConfig config;
    public final Transactions tx;
    public final JobQueue jobs;
    public final LeaseStore leases;
    public final QueueRuntime runtime;
    public final ProgressWriter progress;
    private final WorkerPool workers;

    public TestRuntime(TestDatabase db, String node, String quarryProperties, Map<String, JobHandler> handlers) {
        this(db, db.dataSource(), node, quarryProperties, handlers);
    }

    /** The same machinery connected through {@code dataSource}, e.g. as a least-privilege account. */
    public TestRuntime(TestDatabase db, DataSource dataSource, String node, String quarryProperties, Map<String, JobHandler> handlers) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(quarryProperties));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.config = ConfigLoader.fromProperties(p, new Properties(), Map.of("QUARRY_DB_URL", db.url()));
        this.tx = new Transactions(dataSource);
        this.jobs = new JobQueue(tx);
        this.leases = new LeaseStore(tx, "quarry", "QRTZ_");
        this.workers = new WorkerPool(config.queues().get(0).name(), config.queues().get(0).workers());
        this.progress = new ProgressWriter(new ProgressStore(tx));
        this.runtime = new QueueRuntime(node, config.queues().get(0), config, jobs, leases, HandlerRegistry.of(handlers), workers,
                dev.quarry.internal.drain.Rebalancing.NEVER, progress);
    }

    /** One drain that stops when nothing is due and nothing runs (or after 30 s). */
    public DrainSummary drainUntilIdle() {
        return new Drain(runtime, Instant.now().plus(Duration.ofSeconds(30)), true).run();
    }

    @Override
    public void close() {
        workers.close();
        progress.close();
    }
}
