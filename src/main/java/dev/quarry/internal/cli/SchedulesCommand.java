package dev.quarry.internal.cli;

import dev.quarry.internal.schedule.ScheduleAdmin;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry schedules}: the cluster's schedules and watch folders. */
@Command(name = "schedules",
        description = {"List the cluster's schedules and watch folders.",
                "Each with its cron and time zone (a watch: its folder and interval), its next fire, its latest fire with the job it "
                        + "enqueued and that job's status, and whether it is paused. Then each live node's schedule config fingerprint: "
                        + "nodes that disagree are flagged, and the cluster runs the config of the last node to start."},
        footer = {"", "Examples:", "  quarry schedules", "  quarry schedules --json | jq '.schedules[] | select(.paused)'"})
final class SchedulesCommand extends CliCommand {
    @Option(names = "--json", description = "Print one JSON document instead of a table.")
    boolean json;

    @Override
    int execute(QuarryCli cli) {
        ScheduleAdmin admin = admin(cli);
        List<ScheduleAdmin.Entry> entries = admin.list();
        List<ScheduleAdmin.NodeConfig> nodes = admin.nodeConfigs();
        Optional<String> disagreement = ScheduleAdmin.disagreement(nodes);
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            List<Object> list = new ArrayList<>();
            for (ScheduleAdmin.Entry e : entries) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("kind", e.kind());
                m.put("name", e.name());
                m.put("spec", e.spec());
                m.put("time_zone", e.timeZone());
                m.put("type", e.type());
                m.put("queue", e.queue());
                m.put("paused", e.paused());
                m.put("next_fire", e.nextFire() == null ? null : e.nextFire().toString());
                m.put("trigger_state", e.triggerState());
                m.put("last_fire", e.lastFire() == null ? null : e.lastFire().toString());
                m.put("last_job_id", e.lastJobId());
                m.put("last_job_status", e.lastJobStatus());
                list.add(m);
            }
            doc.put("schedules", list);
            doc.put("nodes", nodeDocs(nodes));
            doc.put("disagreement", disagreement.orElse(null));
            out().println(Json.write(doc));
            return QuarryCli.OK;
        }
        if (entries.isEmpty()) {
            out().println("no schedules or watch folders (schedule.NAME.* and watch.NAME.* keys in quarry.properties)");
        } else {
            Table t = new Table("KIND", "NAME", "SCHEDULE", "TYPE", "QUEUE", "NEXT FIRE", "LAST FIRE", "LAST JOB", "PAUSED");
            for (ScheduleAdmin.Entry e : entries) {
                String lastJob = e.lastJobId() == null ? "-" : e.lastJobId() + " (" + (e.lastJobStatus() == null ? "pruned" : e.lastJobStatus()) + ")";
                String next = e.nextFire() == null ? "- (no trigger)" : time(e.nextFire())
                        + ("ERROR".equals(e.triggerState()) ? " (trigger in ERROR)" : "");
                t.add(e.kind(), e.name(), Formats.line(e.spec(), 120), e.type(), e.queue(), next, e.lastFire() == null ? "-" : time(e.lastFire()),
                        lastJob, e.paused() ? "yes" : "no");
            }
            t.print(out());
        }
        out().println();
        if (nodes.isEmpty()) {
            out().println("no live node has recorded a schedule config");
        } else {
            Table n = new Table("NODE", "CONFIG", "STARTED", "SCHEDULES AND WATCHES");
            for (ScheduleAdmin.NodeConfig c : nodes) {
                n.add(c.node(), c.fingerprint(), time(c.startedAt()), c.names().isEmpty() ? "-" : Formats.line(String.join(", ", c.names()), 200));
            }
            n.print(out());
        }
        disagreement.ifPresent(d -> {
            out().println();
            out().println("warning: " + d);
        });
        return QuarryCli.OK;
    }

    static ScheduleAdmin admin(QuarryCli cli) {
        return new ScheduleAdmin(cli.dataSource(), cli.schedulerName(), cli.tablePrefix());
    }

    static List<Object> nodeDocs(List<ScheduleAdmin.NodeConfig> nodes) {
        List<Object> out = new ArrayList<>();
        for (ScheduleAdmin.NodeConfig c : nodes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("node", c.node());
            m.put("fingerprint", c.fingerprint());
            m.put("started_at", c.startedAt().toString());
            m.put("names", c.names());
            out.add(m);
        }
        return out;
    }

    private static String time(Instant t) {
        return t.toString();
    }
}
