package dev.quarry;

import java.util.Objects;
import javax.sql.DataSource;

/**
 * Where an application starts with Quarry from Java. To run jobs inside the application, over the
 * data source it already has:
 *
 * <pre>{@code
 * try (QuarryNode node = Quarry.node(dataSource)
 *         .queue("video", q -> q.workers(4).drains(3))
 *         .handler("resize-video", new ResizeVideo())
 *         .start()) {
 *     ...   // the node drains until it is closed
 * }
 * }</pre>
 *
 * To only enqueue, a {@link dev.quarry.client.QuarryClient} over the same data source is enough, and
 * {@link dev.quarry.client.QuarryClient#enqueue(java.sql.Connection, dev.quarry.client.NewJob)}
 * enqueues inside a transaction of the application's own.
 */
public final class Quarry {
    private Quarry() {
    }

    /**
     * A node over {@code dataSource}: a MariaDB data source whose database holds Quarry's and
     * Quartz's tables (sql/). The node borrows connections and never closes the data source; give
     * it at least {@link NodeBuilder#connectionsNeeded a few connections more} than it will use at once.
     */
    public static NodeBuilder node(DataSource dataSource) {
        return new NodeBuilder(Objects.requireNonNull(dataSource, "dataSource"));
    }
}
