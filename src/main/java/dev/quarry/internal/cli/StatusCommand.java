package dev.quarry.internal.cli;

import dev.quarry.internal.admin.ClusterStatus;
import dev.quarry.internal.admin.Count;
import dev.quarry.internal.admin.DrainStatus;
import dev.quarry.internal.admin.NodeStatus;
import dev.quarry.internal.admin.QueueStatus;
import dev.quarry.internal.config.QueueConfig;
import dev.quarry.internal.queue.JobState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry status}: the nodes Quartz sees and every queue's state. */
@Command(name = "status",
        description = {"Show the cluster's nodes and queues.",
                "Nodes: each one's last check-in and whether it counts as alive (checked in within its interval plus 7.5 s). "
                        + "Queues: jobs by status (scheduled ones wait for a later run_at), how long the oldest due job has waited, jobs done and dead in the last minute "
                        + "and hour, which node's drain holds the lease, and whether the queue is paused. Ages use the database's "
                        + "clock. Queues with rows that this config does not list are flagged: no node with this config drains them.",
                "Live jobs (ready, running) are counted exactly; finished jobs and recent throughput are counted up to 100,000 "
                        + "per queue and status and shown as 100,000+ beyond (in --json: that number, named in the queue's 'capped' list)."},
        footer = {"", "Examples:", "  quarry status", "  quarry status --json | jq '.queues[] | select(.counts.dead > 0)'"})
final class StatusCommand extends CliCommand {
    static final String NOT_SERVED = "not served by this config";
    /** A lease row of a drain that no live node is configured to run: removed from the config, or its queue unserved. */
    static final String RETIRED = "retired: no live node runs it";

    @Option(names = "--json", description = "Print one JSON document instead of tables.")
    boolean json;

    @Override
    int execute(QuarryCli cli) {
        List<String> configured = cli.config().queues().stream().map(QueueConfig::name).toList();
        ClusterStatus status = cli.statusReads().status(configured);
        // Schedules (dev.quarry.internal.schedule): nodes whose schedule configs disagree.
        List<dev.quarry.internal.schedule.ScheduleAdmin.NodeConfig> scheduleConfigs = SchedulesCommand.admin(cli).nodeConfigs();
        java.util.Optional<String> disagreement = dev.quarry.internal.schedule.ScheduleAdmin.disagreement(scheduleConfigs);
        if (json) {
            Map<String, Object> doc = document(status, configured);
            doc.put("schedule_configs", SchedulesCommand.nodeDocs(scheduleConfigs));
            doc.put("schedule_disagreement", disagreement.orElse(null));
            out().println(Json.write(doc));
        } else {
            print(status);
            disagreement.ifPresent(d -> {
                out().println();
                out().println("warning: " + d + " (quarry schedules)");
            });
        }
        return QuarryCli.OK;
    }

    private void print(ClusterStatus s) {
        out().println("database time " + Formats.time(s.databaseTime()) + ", scheduler " + Formats.line(s.scheduler(), 80));
        out().println();
        if (s.nodes().isEmpty()) {
            out().println("no nodes have checked in under scheduler name '" + Formats.line(s.scheduler(), 80) + "'");
        } else {
            Table nodes = new Table("NODE", "LAST CHECK-IN", "INTERVAL", "ALIVE", "DRAINING");
            for (NodeStatus n : s.nodes()) {
                List<String> draining = draining(s, n.instance());
                nodes.add(n.instance(), Formats.age(n.checkinAgeMillis()) + " ago", Formats.age(n.checkinIntervalMillis()),
                        n.alive() ? "yes" : "no (silent longer than interval + 7.5s)",
                        draining.isEmpty() ? "-" : Formats.line(String.join(", ", draining), 200));
            }
            nodes.print(out());
        }
        out().println();
        List<String> headers = new ArrayList<>(List.of("QUEUE"));
        for (JobState st : JobState.values()) headers.add(st.sql().toUpperCase(java.util.Locale.ROOT));
        headers.addAll(List.of("OLDEST DUE", "DONE 1M", "DONE 1H", "DEAD 1M", "DEAD 1H", "DRAINS HELD", "PAUSED", "NOTE"));
        Table queues = new Table(headers.toArray(String[]::new));
        boolean capped = false;
        for (QueueStatus q : s.queues()) {
            List<Object> row = new ArrayList<>(List.of(q.name()));
            for (JobState st : JobState.values()) row.add(count(q.counts().get(st)));
            row.addAll(java.util.Arrays.asList(q.oldestDueMillis() == null ? "-" : Formats.age(q.oldestDueMillis()),
                    count(q.doneLastMinute()), count(q.doneLastHour()), count(q.deadLastMinute()), count(q.deadLastHour()),
                    q.drainsHeld(),
                    q.paused() ? "yes" : "no", q.configured() ? "" : NOT_SERVED));
            queues.add(row.toArray());
            capped |= row.stream().anyMatch(c -> c instanceof String str && str.endsWith("+"));
        }
        queues.print(out());
        out().println();
        Table drains = new Table("DRAIN", "HOLDER", "EPOCH", "LEASE LEFT", "RUNNING", "NOTE");
        for (QueueStatus q : s.queues()) {
            for (DrainStatus d : q.drains()) {
                drains.add(d.name(), d.holder() == null ? "-" : d.holder(), d.epoch(),
                        d.expiresInMillis() == null ? "-" : Formats.age(d.expiresInMillis()), d.running(),
                        d.configured() ? "" : RETIRED);
            }
        }
        drains.print(out());
        if (capped) {
            out().println();
            out().println("N+: more than N; finished jobs and recent throughput are counted up to N per queue and status,"
                    + " so status answers at once whatever the table holds");
        }
    }

    /** "12", or "100,000+" for a count that stopped at its cap. */
    static String count(Count c) {
        return c.capped() ? String.format(java.util.Locale.ROOT, "%,d+", c.value()) : Long.toString(c.value());
    }

    /** The drains whose live lease the node holds: where the cluster's balancing has put them. */
    private static List<String> draining(ClusterStatus s, String instance) {
        return s.queues().stream().flatMap(q -> q.drains().stream()).filter(d -> instance.equals(d.holder())).map(DrainStatus::name).toList();
    }

    private static Map<String, Object> document(ClusterStatus s, List<String> configured) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("database_time", s.databaseTime());
        doc.put("scheduler", s.scheduler());
        doc.put("configured_queues", configured);
        List<Object> nodes = new ArrayList<>();
        for (NodeStatus n : s.nodes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("instance", n.instance());
            m.put("last_checkin_epoch_ms", n.lastCheckinMillis());
            m.put("checkin_age_ms", n.checkinAgeMillis());
            m.put("checkin_interval_ms", n.checkinIntervalMillis());
            m.put("alive", n.alive());
            m.put("draining", draining(s, n.instance()));
            nodes.add(m);
        }
        doc.put("nodes", nodes);
        List<Object> queues = new ArrayList<>();
        for (QueueStatus q : s.queues()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", q.name());
            m.put("configured", q.configured());
            Map<String, Object> counts = new LinkedHashMap<>();
            List<String> capped = new ArrayList<>();
            for (JobState st : JobState.values()) {
                Count c = q.counts().get(st);
                counts.put(st.sql(), c.value());
                if (c.capped()) capped.add(st.sql());
            }
            m.put("counts", counts);
            m.put("oldest_due_age_ms", q.oldestDueMillis());
            Map<String, Count> recent = new LinkedHashMap<>();
            recent.put("done_last_minute", q.doneLastMinute());
            recent.put("done_last_hour", q.doneLastHour());
            recent.put("dead_last_minute", q.deadLastMinute());
            recent.put("dead_last_hour", q.deadLastHour());
            recent.forEach((k, c) -> {
                m.put(k, c.value());
                if (c.capped()) capped.add(k);
            });
            // The counts named here stopped at their cap: there are more than the number given.
            m.put("capped", capped);
            List<Object> drains = new ArrayList<>();
            for (DrainStatus d : q.drains()) {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("drain", d.drain());
                dm.put("name", d.name());
                dm.put("holder", d.holder());
                dm.put("epoch", d.epoch());
                dm.put("expires_in_ms", d.expiresInMillis());
                dm.put("running", d.running());
                dm.put("configured", d.configured());
                drains.add(dm);
            }
            m.put("drains", drains);
            m.put("paused", q.paused());
            if (!q.configured()) m.put("note", NOT_SERVED);
            queues.add(m);
        }
        doc.put("queues", queues);
        return doc;
    }
}
