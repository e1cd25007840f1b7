package dev.quarry.internal.node;

import dev.quarry.internal.admin.QueueCounts;
import dev.quarry.internal.admin.StatusReads;
import dev.quarry.internal.config.QuarryConfig;
import dev.quarry.internal.metrics.NodeMetrics;
import dev.quarry.internal.metrics.QueueGauges;
import dev.quarry.internal.queue.LeaseStore;
import dev.quarry.internal.queue.Transactions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;

/** Starts a node's metrics: the configured types, and the gauges read through the operator's bounded reads. */
final class MetricsWiring {
    private MetricsWiring() {
    }

    static NodeMetrics start(QuarryConfig config, DataSource pool, String node, String schedulerName, String tablePrefix) {
        if (!config.metrics().enabled()) return NodeMetrics.NOOP;
        Set<String> types = new TreeSet<>(config.handlers().keySet());
        types.add(dev.quarry.internal.handler.NoopHandler.TYPE);
        StatusReads status = new StatusReads(pool, schedulerName, tablePrefix);
        LeaseStore leases = new LeaseStore(new Transactions(pool), schedulerName, tablePrefix);
        return NodeMetrics.start(config.metrics(), types, queue -> {
            if (!leases.firstLiveHolder(queue).map(node::equals).orElse(false)) return Optional.empty();
            QueueCounts c = status.queueCounts(queue);
            Map<String, Long> byStatus = new LinkedHashMap<>();
            c.counts().forEach((st, n) -> byStatus.put(st.sql(), n.value()));
            return Optional.of(new QueueGauges.Snapshot(byStatus, c.oldestDueMillis()));
        });
    }
}
