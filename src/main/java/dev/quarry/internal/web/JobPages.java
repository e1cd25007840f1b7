package dev.quarry.internal.web;

import dev.quarry.internal.admin.AdminCommands;
import dev.quarry.internal.admin.Change;
import dev.quarry.internal.admin.Count;
import dev.quarry.internal.admin.DashboardReads;
import dev.quarry.internal.admin.JobPage;
import dev.quarry.internal.admin.JobReads;
import dev.quarry.internal.admin.JobRow;
import dev.quarry.internal.admin.JobSummary;
import dev.quarry.internal.config.Durations;
import dev.quarry.internal.queue.JobState;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The jobs' pages: the listing, one job, the dead jobs with their confirmations; and the actions on jobs. */
final class JobPages {
    static final int PAGE_SIZE = 50;

    private final JobReads jobs;
    private final AdminCommands commands;
    private final DashboardReads reads;

    JobPages(JobReads jobs, AdminCommands commands, DashboardReads reads) {
        this.jobs = jobs;
        this.commands = commands;
        this.reads = reads;
    }

    Optional<Response> page(String path, Request r) {
        return switch (path) {
            case "/jobs" -> Optional.of(jobs(r));
            case "/job" -> Optional.of(job(r));
            case "/dead" -> Optional.of(dead(r));
            case "/dead/confirm" -> Optional.of(confirm(r));
            default -> Optional.empty();
        };
    }

    Optional<Response> act(String path, Request r) {
        return switch (path) {
            case "/job/retry", "/dead/retry-one" -> Optional.of(change(r, "Retry", commands.retry(id(r))));
            case "/job/cancel" -> Optional.of(change(r, "Cancel", commands.cancel(id(r))));
            case "/dead/retry-all" -> {
                String queue = r.param("queue");
                AdminCommands.RetriedDead d = commands.retryDead(queue);
                yield Optional.of(Layout.message(200, "Retried", r, "sent " + d.retried() + " dead jobs" + of(queue) + " back to ready"
                        + (d.keptForUniqueKey() > 0 ? "; " + d.keptForUniqueKey() + " stay dead: another active job holds their unique key" : "")));
            }
            case "/dead/purge" -> {
                String queue = r.param("queue");
                Duration older = olderThan(r);
                long n = commands.purge(older, EnumSet.of(JobState.DEAD), queue);
                yield Optional.of(Layout.message(200, "Purged", r, "deleted " + n + " dead jobs" + of(queue) + " finished more than "
                        + Durations.format(older) + " ago"));
            }
            default -> Optional.empty();
        };
    }

    private Response change(Request r, String what, Change c) {
        long id = id(r);
        String text = switch (c.outcome()) {
            case APPLIED -> "job " + id + " is " + c.job().status().sql() + " now";
            case NOT_FOUND -> "there is no job " + id;
            case WRONG_STATUS -> "job " + id + " is " + c.job().status().sql() + ": " + what.toLowerCase(Locale.ROOT) + " does not apply";
            case UNIQUE_KEY_TAKEN -> "job " + id + " stays " + c.job().status().sql() + ": job " + c.keyHeldBy() + " holds its unique key";
            case STOP_REQUESTED -> "job " + id + " is running: its node was asked to stop it";
        };
        Page p = new Page();
        p.el("p", text, "class", c.applied() || c.outcome() == Change.Outcome.STOP_REQUESTED ? "notice" : "error", "id", "result");
        p.raw("<p>").link(Page.url("/job", "id", id), "job " + id).raw(" · ").link("/dead", "dead jobs").raw("</p>");
        return Layout.page(c.outcome() == Change.Outcome.NOT_FOUND ? 404 : c.applied() || c.outcome() == Change.Outcome.STOP_REQUESTED ? 200 : 409,
                what, r, p, 0);
    }

    private Response jobs(Request r) {
        Long id = r.number("id");
        if (id != null) return Response.redirect(Page.url("/job", "id", id));
        String queue = r.param("queue");
        String type = r.param("type");
        JobState status = status(r.param("status"));
        Long before = r.number("before");
        JobPage page = jobs.jobs(queue, status, type, before, PAGE_SIZE);
        Page p = new Page();
        p.raw("<form method=\"get\" action=\"/jobs\" class=\"filters\">");
        p.raw("<label>queue ").open("input", "name", "queue", "value", queue, "size", "12").raw("</label> ");
        p.raw("<label>status <select name=\"status\"><option value=\"\">any</option>");
        for (JobState st : JobState.values()) {
            p.open("option", "value", st.sql(), "selected", st == status ? "selected" : null).text(st.sql()).close("option");
        }
        p.raw("</select></label> ");
        p.raw("<label>type ").open("input", "name", "type", "value", type, "size", "16").raw("</label> ");
        p.raw("<label>id ").open("input", "name", "id", "size", "10", "inputmode", "numeric").raw("</label> ");
        p.raw("<button type=\"submit\">filter</button></form>");
        jobTable(p, page.jobs());
        if (page.cutOff()) {
            p.el("p", "searched " + page.examined() + " jobs without filling the page (a filter no index serves); the next page goes on from there",
                    "class", "meta");
        }
        if (page.continueBefore() != null) {
            p.raw("<p>").link(Page.url("/jobs", "queue", queue, "status", status == null ? null : status.sql(), "type", type, "before",
                    page.continueBefore()), "older jobs →", "id", "next").raw("</p>");
        }
        p.el("p", status == null ? "newest first, by id" : "newest finish first, then jobs not finished yet, by id", "class", "meta");
        return Layout.page(200, "Jobs", r, p, 0);
    }

    static void jobTable(Page p, List<JobSummary> jobs) {
        if (jobs.isEmpty()) {
            p.el("p", "no jobs", "class", "meta");
            return;
        }
        p.open("table", "id", "jobs").header("id", "queue", "type", "status", "attempts", "run at", "created", "finished", "last error")
                .raw("<tbody>");
        for (JobSummary j : jobs) {
            p.open("tr", "data-job", Long.toString(j.id())).raw("<td>").link(Page.url("/job", "id", j.id()), j.id()).raw("</td>")
                    .cell(j.queue()).cell(j.type()).cell(j.status().sql(), "class", "status " + j.status().sql())
                    .cell(j.attempts() + "/" + (j.maxAttempts() == null ? "default" : j.maxAttempts())).cell(Page.time(j.runAt()))
                    .cell(Page.time(j.createdAt())).cell(Page.time(j.finishedAt())).cell(j.lastErrorStart(), "class", "error-text")
                    .close("tr");
        }
        p.raw("</tbody></table>");
    }

    private Response job(Request r) {
        long id = id(r);
        Optional<JobRow> found = jobs.job(id);
        if (found.isEmpty()) return Layout.message(404, "Job " + id, r, "there is no job " + id + " (pruned or purged since?)");
        JobRow j = found.get();
        Page p = new Page();
        if (r.csrf() != null) {
            p.raw("<div class=\"actions\">");
            if (j.status() == JobState.DEAD || j.status() == JobState.CANCELLED) p.postButton("/job/retry", "retry", r.csrf(), "id", Long.toString(id));
            if (j.status() == JobState.SCHEDULED || j.status() == JobState.READY || j.status() == JobState.RUNNING) {
                p.postButton("/job/cancel", j.status() == JobState.RUNNING ? "ask its node to cancel it" : "cancel", r.csrf(), "id", Long.toString(id));
            }
            p.raw("</div>");
        }
        p.el("h2", "Timeline");
        p.raw("<ol class=\"timeline\" id=\"timeline\">");
        p.el("li", "created " + Page.time(j.createdAt()));
        p.el("li", "run at " + Page.time(j.runAt()) + (j.runAtFromNowMillis() > 0 ? " (in " + Page.age(j.runAtFromNowMillis()) + ")" : ""));
        p.el("li", "started " + Page.time(j.startedAt()));
        p.el("li", "finished " + Page.time(j.finishedAt()));
        p.raw("</ol>");
        p.el("h2", "Columns");
        p.open("table", "id", "columns", "class", "columns").raw("<tbody>");
        row(p, "id", j.id());
        row(p, "queue", j.queue());
        row(p, "type", j.type());
        row(p, "status", j.status().sql());
        row(p, "priority", j.priority());
        row(p, "attempts", j.attempts());
        row(p, "max_attempts", j.maxAttempts() == null ? "NULL (the node's retry.max-attempts)" : j.maxAttempts());
        row(p, "unique_key", j.uniqueKey() == null ? "NULL" : j.uniqueKey());
        row(p, "run_at", Page.time(j.runAt()));
        row(p, "created_at", Page.time(j.createdAt()));
        row(p, "started_at", Page.time(j.startedAt()));
        row(p, "finished_at", Page.time(j.finishedAt()));
        row(p, "claim_token", j.claimToken() == null ? "NULL" : j.claimToken());
        row(p, "claimed_by", j.claimedBy() == null ? "NULL" : j.claimedBy());
        row(p, "lease_epoch", j.leaseEpoch() == null ? "NULL" : j.leaseEpoch());
        p.raw("</tbody></table>");
        Optional<String> pretty = PrettyJson.format(j.payload());
        p.el("h2", "Payload" + (pretty.isPresent() ? " (JSON)" : ""));
        p.el("pre", pretty.orElse(j.payload()), "id", "payload");
        p.el("h2", "Last error");
        p.el("pre", j.lastError() == null ? "none" : j.lastError(), "id", "last-error");
        return Layout.page(200, "Job " + id, r, p, 0);
    }

    private static void row(Page p, String name, Object value) {
        p.raw("<tr>").el("th", name).cell(value, "data-column", name).raw("</tr>");
    }

    private Response dead(Request r) {
        String queue = r.param("queue");
        Long before = r.number("before");
        JobPage page = jobs.jobs(queue, JobState.DEAD, null, before, PAGE_SIZE);
        Page p = new Page();
        p.raw("<form method=\"get\" action=\"/dead\" class=\"filters\">");
        p.raw("<label>queue ").open("input", "name", "queue", "value", queue, "size", "12").raw("</label> ");
        p.raw("<button type=\"submit\">filter</button></form>");
        if (r.csrf() != null) {
            p.raw("<div class=\"actions\">");
            p.link(Page.url("/dead/confirm", "action", "retry-all", "queue", queue), "retry all dead jobs" + of(queue) + "…", "class", "button",
                    "id", "retry-all");
            p.raw(" ");
            p.open("form", "method", "get", "action", "/dead/confirm", "class", "inline");
            p.hidden("action", "purge");
            if (queue != null) p.hidden("queue", queue);
            p.raw("<label>finished more than ").open("input", "name", "older", "value", "7d", "size", "5").raw(" ago</label> ");
            p.el("button", "purge" + of(queue) + "…", "type", "submit", "id", "purge").close("form");
            p.raw("</div>");
        }
        if (page.jobs().isEmpty()) {
            p.el("p", "no dead jobs" + of(queue), "class", "meta");
        } else {
            p.open("table", "id", "dead").header("id", "queue", "type", "attempts", "finished", "last error", "").raw("<tbody>");
            for (JobSummary j : page.jobs()) {
                p.open("tr", "data-job", Long.toString(j.id())).raw("<td>").link(Page.url("/job", "id", j.id()), j.id()).raw("</td>")
                        .cell(j.queue()).cell(j.type()).cell(j.attempts()).cell(Page.time(j.finishedAt()))
                        .cell(j.lastErrorStart(), "class", "error-text").raw("<td>");
                if (r.csrf() != null) {
                    p.link(Page.url("/dead/confirm", "action", "retry-one", "id", j.id()), "retry…", "class", "button", "data-retry",
                            Long.toString(j.id()));
                }
                p.raw("</td></tr>");
            }
            p.raw("</tbody></table>");
        }
        if (page.continueBefore() != null) {
            p.raw("<p>").link(Page.url("/dead", "queue", queue, "before", page.continueBefore()), "older dead jobs →", "id", "next").raw("</p>");
        }
        return Layout.page(200, "Dead jobs", r, p, 0);
    }

    /** What an action on dead jobs would touch, and the POST that does it: nothing changes on a GET. */
    private Response confirm(Request r) {
        if (r.csrf() == null) return Layout.message(403, "Read-only", r, "actions need a login; set QUARRY_WEB_PASSWORD to enable them");
        String action = ClusterPages.required(r, "action");
        String queue = r.param("queue");
        Page p = new Page();
        switch (action) {
            case "retry-one" -> {
                long id = id(r);
                Optional<JobRow> j = jobs.job(id);
                if (j.isEmpty()) return Layout.message(404, "Retry", r, "there is no job " + id);
                if (j.get().status() != JobState.DEAD) return Layout.message(409, "Retry", r, "job " + id + " is " + j.get().status().sql() + ", not dead");
                p.el("p", "Retry 1 dead job: job " + id + " (" + j.get().type() + ", queue " + j.get().queue()
                        + "). It goes back to ready, due now, with its attempts reset.", "id", "confirm-text");
                p.postButton("/dead/retry-one", "retry 1 job", r.csrf(), "id", Long.toString(id));
            }
            case "retry-all" -> {
                Count n = reads.deadJobs(queue, Duration.ZERO);
                p.el("p", "Retry " + Page.count(n) + " dead jobs" + of(queue) + ". They go back to ready, due now, with their attempts reset.",
                        "id", "confirm-text");
                if (queue == null) p.postButton("/dead/retry-all", "retry " + Page.count(n) + " jobs", r.csrf());
                else p.postButton("/dead/retry-all", "retry " + Page.count(n) + " jobs", r.csrf(), "queue", queue);
            }
            case "purge" -> {
                Duration older = olderThan(r);
                Count n = reads.deadJobs(queue, older);
                p.el("p", "Delete " + Page.count(n) + " dead jobs" + of(queue) + " that finished more than " + Durations.format(older)
                        + " ago. This cannot be undone.", "id", "confirm-text");
                String label = "delete " + Page.count(n) + " jobs";
                if (queue == null) p.postButton("/dead/purge", label, r.csrf(), "older", Durations.format(older));
                else p.postButton("/dead/purge", label, r.csrf(), "older", Durations.format(older), "queue", queue);
            }
            default -> throw new IllegalArgumentException("no action '" + action + "' (retry-one, retry-all, purge)");
        }
        p.raw(" ").link(Page.url("/dead", "queue", queue), "cancel");
        return Layout.page(200, "Confirm", r, p, 0);
    }

    private static String of(String queue) {
        return queue == null ? "" : " of queue " + queue;
    }

    private static long id(Request r) {
        Long id = r.number("id");
        if (id == null) throw new IllegalArgumentException("the parameter 'id' is missing");
        return id;
    }

    private static Duration olderThan(Request r) {
        String v = r.param("older");
        return v == null ? Duration.ZERO : Durations.parse(v);
    }

    private static JobState status(String s) {
        if (s == null) return null;
        for (JobState st : JobState.values()) if (st.sql().equals(s)) return st;
        throw new IllegalArgumentException("no status '" + s + "'");
    }
}
