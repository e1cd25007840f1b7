package dev.quarry.internal.web;

import dev.quarry.internal.admin.AdminCommands;
import dev.quarry.internal.admin.ClusterStatus;
import dev.quarry.internal.admin.DashboardReads;
import dev.quarry.internal.admin.JobPage;
import dev.quarry.internal.admin.JobReads;
import dev.quarry.internal.admin.NodeStatus;
import dev.quarry.internal.admin.QueueStatus;
import dev.quarry.internal.admin.StatusReads;
import dev.quarry.internal.queue.JobState;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The cluster's pages: the overview, a queue's page, the schedules; and pausing or resuming a queue. */
final class ClusterPages {
    /** Pages that watch the cluster reload themselves this often while auto-refresh is on. */
    static final int REFRESH_SECONDS = 5;
    static final int RECENT_JOBS = 20;

    private final StatusReads status;
    private final JobReads jobs;
    private final AdminCommands commands;
    private final DashboardReads reads;
    private final List<String> configured;

    ClusterPages(StatusReads status, JobReads jobs, AdminCommands commands, DashboardReads reads, List<String> configured) {
        this.status = status;
        this.jobs = jobs;
        this.commands = commands;
        this.reads = reads;
        this.configured = List.copyOf(configured);
    }

    Optional<Response> page(String path, Request r) {
        return switch (path) {
            case "/" -> Optional.of(overview(r));
            case "/queue" -> Optional.of(queue(r));
            case "/schedules" -> Optional.of(schedules(r));
            default -> Optional.empty();
        };
    }

    Optional<Response> act(String path, Request r) {
        return switch (path) {
            case "/queue/pause", "/queue/resume" -> {
                String q = required(r, "queue");
                boolean pause = path.endsWith("pause");
                boolean before = commands.setPaused(q, pause);
                yield Optional.of(Layout.message(200, pause ? "Paused" : "Resumed", r, "queue " + q + (pause
                        ? (before ? " was paused already" : " is paused: its drains claim nothing until it is resumed")
                        : (before ? " is resumed" : " was not paused"))));
            }
            default -> Optional.empty();
        };
    }

    private Response overview(Request r) {
        ClusterStatus s = status.status(configured);
        Page p = new Page();
        p.el("p", "database time " + Page.time(s.databaseTime()) + ", scheduler " + s.scheduler(), "class", "meta");
        p.el("h2", "Queues");
        queueTable(p, s.queues());
        p.el("h2", "Throughput");
        SvgChart.draw(p, reads.chart(s.queues().stream().map(QueueStatus::name).toList()));
        p.el("h2", "Nodes");
        if (s.nodes().isEmpty()) {
            p.el("p", "no nodes have checked in under scheduler name '" + s.scheduler() + "'");
        } else {
            p.open("table", "id", "nodes").header("node", "last check-in", "interval", "alive", "drains held").raw("<tbody>");
            for (NodeStatus n : s.nodes()) {
                List<String> held = new ArrayList<>();
                for (QueueStatus q : s.queues()) {
                    for (LeaseView l : leases(q)) if (n.instance().equals(l.holder())) held.add(l.drain());
                }
                p.open("tr", "data-node", n.instance()).cell(n.instance()).cell(Page.age(n.checkinAgeMillis()) + " ago")
                        .cell(Page.age(n.checkinIntervalMillis()))
                        .cell(n.alive() ? "yes" : "no (silent longer than interval + 7.5s)", "class", n.alive() ? "ok" : "bad")
                        .cell(held.isEmpty() ? "-" : String.join(", ", held)).close("tr");
            }
            p.raw("</tbody></table>");
        }
        p.el("h2", "Leases");
        p.open("table", "id", "leases").header("drain", "holder", "epoch", "expires in", "paused").raw("<tbody>");
        for (QueueStatus q : s.queues()) {
            for (LeaseView l : leases(q)) {
                p.raw("<tr>").cell(l.drain()).cell(l.holder() == null ? "free" : l.holder()).cell(l.epoch())
                        .cell(Page.age(l.expiresInMillis())).cell(q.paused() ? "yes" : "no").raw("</tr>");
            }
        }
        p.raw("</tbody></table>");
        return Layout.page(200, "Overview", r, p, REFRESH_SECONDS);
    }

    /** One row per queue: counts by status (live ones exact, finished ones up to the cap), oldest due, recent throughput. */
    private static void queueTable(Page p, List<QueueStatus> queues) {
        List<String> headers = new ArrayList<>(List.of("queue"));
        for (JobState st : JobState.values()) headers.add(st.sql());
        headers.addAll(List.of("oldest due", "done 1m", "done 1h", "dead 1m", "dead 1h", "paused", "note"));
        p.open("table", "id", "queues").header(headers.toArray(String[]::new)).raw("<tbody>");
        boolean capped = false;
        for (QueueStatus q : queues) {
            p.open("tr", "data-queue", q.name()).raw("<td>").link(Page.url("/queue", "name", q.name()), q.name()).raw("</td>");
            for (JobState st : JobState.values()) {
                capped |= q.counts().get(st).capped();
                p.open("td", "data-status", st.sql(), "class", "num");
                if (st == JobState.DEAD && q.counts().get(st).value() > 0) {
                    p.link(Page.url("/dead", "queue", q.name()), Page.count(q.counts().get(st)));
                } else {
                    p.text(Page.count(q.counts().get(st)));
                }
                p.close("td");
            }
            p.cell(Page.age(q.oldestDueMillis()), "class", "num").cell(Page.count(q.doneLastMinute()), "class", "num")
                    .cell(Page.count(q.doneLastHour()), "class", "num").cell(Page.count(q.deadLastMinute()), "class", "num")
                    .cell(Page.count(q.deadLastHour()), "class", "num").cell(q.paused() ? "paused" : "no", "data-paused", Boolean.toString(q.paused()))
                    .cell(q.configured() ? "" : "not served by this config").close("tr");
        }
        p.raw("</tbody></table>");
        if (capped) p.el("p", "N+: more than N. Finished jobs are counted up to a cap per queue and status, so the page answers at once whatever the table holds.", "class", "meta");
    }

    private Response queue(Request r) {
        String name = required(r, "name");
        ClusterStatus s = status.status(configured);
        QueueStatus q = s.queues().stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
        Page p = new Page();
        if (q == null) {
            p.el("p", "queue " + name + " has no jobs and no lease row; no node has drained it", "class", "meta");
        } else {
            queueTable(p, List.of(q));
            List<String> held = new ArrayList<>();
            for (LeaseView l : leases(q)) {
                if (l.holder() != null) held.add(l.drain() + " by " + l.holder() + " (lease epoch " + l.epoch() + ", " + Page.age(l.expiresInMillis()) + " left)");
            }
            p.el("p", held.isEmpty() ? "no drain holds a lease now" : "drained: " + String.join("; ", held), "class", "meta");
        }
        if (r.csrf() != null) {
            boolean paused = q != null && q.paused();
            p.postButton(paused ? "/queue/resume" : "/queue/pause", paused ? "resume queue" : "pause queue", r.csrf(), "queue", name);
        }
        p.el("h2", "Throughput");
        SvgChart.draw(p, reads.chart(List.of(name)));
        p.el("h2", "Recent jobs");
        JobPage recent = jobs.jobs(name, null, null, null, RECENT_JOBS);
        JobPages.jobTable(p, recent.jobs());
        p.raw("<p>").link(Page.url("/jobs", "queue", name), "all jobs of " + name).raw("</p>");
        return Layout.page(200, "Queue " + name, r, p, REFRESH_SECONDS);
    }

    private Response schedules(Request r) {
        Page p = new Page();
        p.raw("<section id=\"recurring\">").el("h2", "Recurring jobs");
        p.el("p", "Recurring jobs are Quartz triggers that enqueue a job; they are listed with every other trigger below.", "class", "meta");
        p.raw("</section>");
        p.el("h2", "Quartz triggers");
        List<DashboardReads.TriggerRow> triggers = reads.triggers();
        p.open("table", "id", "triggers").header("job", "trigger", "state", "schedule", "next fire", "previous fire", "description")
                .raw("<tbody>");
        for (DashboardReads.TriggerRow t : triggers) {
            p.raw("<tr>").cell(t.jobGroup() + "." + t.jobName()).cell(t.group() + "." + t.name()).cell(t.state())
                    .cell(t.cron() != null ? t.cron() + (t.timeZone() == null ? "" : " (" + t.timeZone() + ")") : t.type())
                    .cell(epoch(t.nextFireMillis())).cell(epoch(t.prevFireMillis())).cell(t.description()).raw("</tr>");
        }
        p.raw("</tbody></table>");
        if (triggers.size() == DashboardReads.TRIGGER_LIMIT) p.el("p", "the first " + DashboardReads.TRIGGER_LIMIT + " triggers", "class", "meta");
        return Layout.page(200, "Schedules", r, p, 0);
    }

    /** Quartz's fire times are epoch millis by the nodes' clocks, shown in this server's zone. */
    private static String epoch(Long millis) {
        return millis == null ? "-" : Page.time(Instant.ofEpochMilli(millis).atZone(ZoneId.systemDefault()).toLocalDateTime());
    }

    /** One lease row of a queue, as the pages show it. */
    record LeaseView(String drain, String holder, long epoch, Long expiresInMillis) {
    }

    /** The queue's lease rows (none when it never had a drain): the one place the pages read a queue's leases. */
    static List<LeaseView> leases(QueueStatus q) {
        return q.drains().stream().map(d -> new LeaseView(d.name(), d.holder(), d.epoch(), d.expiresInMillis())).toList();
    }

    static String required(Request r, String name) {
        String v = r.param(name);
        if (v == null) throw new IllegalArgumentException("the parameter '" + name + "' is missing");
        return v;
    }
}
