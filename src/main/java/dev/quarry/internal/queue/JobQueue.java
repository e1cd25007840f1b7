package dev.quarry.internal.queue;

import dev.quarry.internal.Text;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * All the engine's SQL on {@code quarry_jobs}. Every transition is one UPDATE guarded by the
 * expected status and the claim token, and its row count is checked: a transition that finds
 * the row changed (a late completion after a take-over) changes nothing and is reported back.
 * Nothing from a row is ever put into SQL text but numbers this class formats itself: the id lists
 * and claim tokens of the hot path are written as decimal literals ({@link #numbers}), which spares
 * the driver and the server a bound parameter each (a round binds hundreds); text travels as
 * bound parameters.
 *
 * <p>A job that is not yet due waits as {@code scheduled}, outside the claim's index range: a
 * claim reads about as many index entries as it claims, however many jobs wait for a later
 * run_at (MariaDB has no skip scan, and the claim index, led by priority after the status,
 * cannot bound run_at). A claim first promotes the scheduled jobs that have come due
 * ({@link #STAGE_SQL}), in its own transaction, so a promoted job can be claimed by the locking
 * read that follows. While a queue's claims come back full, at most every
 * {@link #STAGE_EVERY_NANOS}; a claim after a short one always stages, so an idle drain stages
 * at every poll.
 */
public final class JobQueue {
    /** last_error is TEXT (64 KiB); keep well inside it even with 4-byte characters. */
    public static final int MAX_ERROR_CHARS = 8000;

    /**
     * The claim's locking read; parameters: payload limit, default max attempts, queue, batch size.
     * The claim index is named: with few ready rows the optimizer may pick quarry_jobs_finished,
     * which bounds (queue, status) but then sorts the whole ready range by priority.
     */
    static final String CLAIM_SQL = claimSql("");

    /**
     * The claim after a cursor: the same read, starting past the last job the previous claim took.
     * The jobs a drain has just claimed leave delete-marked entries at the head of the ready range
     * until InnoDB's purge removes them; a claim from the head walks them all (measured here: a
     * claim of 8 took 1.6 ms from the head, 0.6 ms past a cursor). Extra parameters, after the
     * queue: priority twice, run_at twice, id.
     */
    static final String CLAIM_AFTER_SQL = claimSql(" AND (priority > ? OR (priority = ? AND (run_at > ? OR (run_at = ? AND id > ?))))");

    private static String claimSql(String after) {
        return "SELECT id, type, IF(LENGTH(payload) <= ?, payload, NULL), LENGTH(payload), attempts,"
                + " COALESCE(max_attempts, ?), priority, CAST(run_at AS CHAR), TIMESTAMPDIFF(MICROSECOND, GREATEST(created_at, run_at), NOW(6))"
                + " FROM quarry_jobs FORCE INDEX (quarry_jobs_claim)"
                + " WHERE queue = ? AND status = 'ready' AND run_at <= NOW(6)" + after
                + " ORDER BY priority, run_at, id LIMIT ? FOR UPDATE SKIP LOCKED";
    }

    /**
     * Where a claim ended, in the claim's order: the next claim may start past it. A drain claims
     * from the head again at least every so often and after any claim that came back short, so a
     * job that sorts before the cursor (a higher priority, a promoted job with an earlier run_at)
     * waits at most that long.
     */
    public record Cursor(int priority, String runAt, long id) {
    }

    /**
     * Staging: scheduled jobs now due become ready. Three statements, none a locking range scan: a
     * plain read finds the rows through quarry_jobs_due (scheduled_queue, run_at), which holds a
     * queue's scheduled jobs and nothing else of it (schema version 4), a locking read by primary
     * key takes those no other transaction holds ({@code SKIP LOCKED}), and an UPDATE by primary key
     * changes them. A single {@code UPDATE ... WHERE queue = ? AND ...} over the index range was one
     * statement, but InnoDB keeps the lock on the entry past the end of the range it scans, which is
     * another drain's running job: a drain frozen mid-transaction then held up the markDone of every
     * other drain of the queue (measured: 40 s, the length of the freeze). The LIMIT keeps a burst
     * coming due at once (a million reminders at midnight) to short transactions; the next claims
     * take the rest. Parameters of the find: queue, most rows.
     *
     * <p>A row written ready with a future run_at (by hand: the status column's default makes a
     * delayed INSERT scheduled, and the producers' grants cannot set status) is left as it is: the
     * claim takes it no earlier than its run_at.
     */
    static final String STAGE_FIND_SQL = "SELECT id FROM quarry_jobs WHERE scheduled_queue = ? AND run_at <= NOW(6) LIMIT ?";
    /** The staging UPDATE, by id (append the ids, {@link #numbers}, and a closing parenthesis); it checks the state again. */
    static final String STAGE_SQL = "UPDATE quarry_jobs SET status = 'ready' WHERE status = 'scheduled' AND run_at <= NOW(6) AND id IN (";
    /** Most rows one staging statement changes: at least a batch, so promotion keeps ahead of the claims. */
    static final int STAGE_MIN_ROWS = 1000;
    /**
     * Least time between two stagings of a queue by this node while its claims come back full:
     * 100 ms. A busy drain claims dozens of times a second, and on a loaded host each extra
     * statement in the claim's transaction showed in the drain's pace; ten stagings a second
     * delay a due job by at most 100 ms more, behind a backlog it would wait for anyway.
     */
    static final long STAGE_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /**
     * Whether the queue has a job due now, ready (the head of the claim index) or still scheduled
     * (quarry_jobs_due); each half reads one index entry when it finds one. Parameters: queue, queue.
     */
    static final String HAS_DUE_SQL = "(SELECT 1 FROM quarry_jobs WHERE queue = ? AND status = 'ready' AND run_at <= NOW(6) LIMIT 1)"
            + " UNION ALL (SELECT 1 FROM quarry_jobs WHERE scheduled_queue = ? AND run_at <= NOW(6) LIMIT 1) LIMIT 1";

    private final Transactions tx;
    /** Per queue, when this node last staged it and whether its last claim was full: a rate limit only, never a job's time. */
    private final Map<String, StageClock> stageClocks = new ConcurrentHashMap<>();

    /** One queue's claims run one at a time (its lease row is locked); volatile suffices for a drain moving between threads. */
    private static final class StageClock {
        volatile long lastNanos;
        volatile boolean staged;
        volatile boolean lastClaimFull;
    }

    public JobQueue(Transactions tx) {
        this.tx = tx;
    }

    /**
     * Claims up to {@code limit} due jobs of the lease's queue, in priority, run_at, id order, and
     * records {@code completed} as done (see {@link #markDone}), in one transaction: a busy drain
     * commits once per round. The drain claims only for free workers and starts every job it claims
     * at once, so the claim is the start: it counts the attempt and sets started_at.
     *
     * <p>Fencing: the UPDATE that takes the rows joins the lease row on this drain's holder and
     * epoch (and not paused), which share-locks it, so a claim either commits before a take-over
     * or finds the lease gone and claims nothing; the lease's expiry is extended only when
     * {@code renew} is asked, which the drain does every third of the lease. A {@code limit} of 0
     * only records (and renews when asked). SKIP LOCKED passes over rows another transaction holds
     * instead of waiting for them.
     *
     * @param token  this claim's token ({@link #newClaimToken}), written into every row it takes
     * @param after where the last claim ended, to claim past it; null to claim from the head of the queue
     * @throws LeaseLostException when the lease is no longer this drain's; nothing is written then
     * @throws CommitUnconfirmedException when the claim may have taken rows without this node
     *         learning which: {@link #returnUnconfirmed} with {@code token} gives them back
     */
    public Claim claim(Lease lease, Duration leaseDuration, boolean renew, long token, int limit, int defaultMaxAttempts,
                       int payloadMaxBytes, List<ClaimedJob> completed, Cursor after) {
        return tx.inTransaction("claim for drain " + lease.drainName(), c -> {
            boolean paused = renew && LeaseStore.renew(c, lease, leaseDuration);
            List<ClaimedJob> refused = completed.isEmpty() ? List.of() : markDone(c, completed);
            if (paused || limit == 0) return new Claim(List.of(), refused, renew, null);
            StageClock clock = stageClocks.computeIfAbsent(lease.queue(), q -> new StageClock());
            if (stageDue(clock)) stage(c, lease.queue(), Math.max(limit, STAGE_MIN_ROWS));
            // One locking read takes the rows and everything the workers need; the claim
            // index serves the WHERE and the ORDER BY, the selected columns come from the rows.
            List<ClaimedJob> jobs = new ArrayList<>(limit);
            Cursor last = null;
            try (PreparedStatement sel = c.prepareStatement(after == null ? CLAIM_SQL : CLAIM_AFTER_SQL)) {
                int p = 1;
                sel.setInt(p++, payloadMaxBytes);
                sel.setInt(p++, defaultMaxAttempts);
                sel.setString(p++, lease.queue());
                if (after != null) {
                    sel.setInt(p++, after.priority());
                    sel.setInt(p++, after.priority());
                    sel.setString(p++, after.runAt());
                    sel.setString(p++, after.runAt());
                    sel.setLong(p++, after.id());
                }
                sel.setInt(p, limit);
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) {
                        jobs.add(new ClaimedJob(rs.getLong(1), lease.queue(), rs.getString(2), rs.getString(3), rs.getLong(4),
                                rs.getInt(5) + 1, rs.getInt(6), token));
                        // run_at as the server's own text (CAST AS CHAR): the cursor hands it back unchanged.
                        // Read as a DATETIME, the driver parses it and formats it again with String.format,
                        // which was a sixth of a busy drain thread's CPU.
                        last = new Cursor(rs.getInt(7), rs.getString(8), rs.getLong(1));
                        dev.quarry.internal.metrics.NodeMetrics.get().startDelay(lease.queue(), rs.getLong(9));
                    }
                }
            }
            clock.lastClaimFull = jobs.size() == limit;
            if (jobs.isEmpty()) return new Claim(List.of(), refused, renew, null);
            List<Long> ids = jobs.stream().map(ClaimedJob::id).toList();
            int n;
            try (PreparedStatement upd = c.prepareStatement(CLAIM_UPDATE_SQL + numbers(ids) + ")")) {
                upd.setString(1, lease.queue());
                upd.setInt(2, lease.drain());
                upd.setString(3, lease.holder());
                upd.setLong(4, lease.epoch());
                upd.setLong(5, token);
                upd.setString(6, lease.holder());
                upd.setLong(7, lease.epoch());
                upd.setInt(8, lease.drain());
                n = upd.executeUpdate();
            }
            if (n == 0) {
                // The lease row did not match: taken over, or the queue was paused since the last renewal.
                if (LeaseStore.isPaused(c, lease)) return new Claim(List.of(), refused, renew, null);
                throw new LeaseLostException(lease);
            }
            if (n != ids.size()) throw new SQLException("claimed " + ids.size() + " locked rows but updated " + n);
            return new Claim(jobs, refused, renew, last);
        });
    }

    /**
     * The claim's UPDATE; parameters: queue, drain, holder, epoch (the lease), token, holder, epoch,
     * drain; then append the ids ({@link #numbers}) and a closing parenthesis. Each row records the
     * drain and epoch it was claimed under: the drain's
     * next holder rescues it if this one dies.
     */
    static final String CLAIM_UPDATE_SQL = "UPDATE quarry_jobs j JOIN quarry_leases l ON l.queue = ? AND l.drain = ? AND l.holder = ?"
            + " AND l.epoch = ? AND l.paused = 0 SET j.status = 'running', j.attempts = j.attempts + 1, j.claim_token = ?,"
            + " j.claimed_by = ?, j.lease_epoch = ?, j.drain = ?, j.started_at = NOW(6) WHERE j.status = 'ready' AND j.id IN (";

    /** For callers with nothing to record: renews and claims. */
    public List<ClaimedJob> claim(Lease lease, Duration leaseDuration, int limit, int defaultMaxAttempts, int payloadMaxBytes) {
        return claim(lease, leaseDuration, true, newClaimToken(), limit, defaultMaxAttempts, payloadMaxBytes, List.of(), null).jobs();
    }

    /** A fresh claim token: random, so a row's token names the one claim that took it. */
    public static long newClaimToken() {
        return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    }

    /**
     * Gives back, unrun and without using up their attempt, the lease's jobs still running under
     * one of {@code tokens}: claims whose commit was not confirmed ({@link CommitUnconfirmedException}).
     * Such a claim either took nothing, or took rows the drain never started, which would otherwise
     * stay running until the drain's next holder rescued them, counting an attempt that never ran
     * (with max_attempts=1, burying a job that never ran). A row that a still-open transaction of
     * such a claim holds is passed over, not waited for: the drain asks again later.
     *
     * @return the ids given back
     */
    public List<Long> returnUnconfirmed(Lease lease, java.util.Collection<Long> tokens) {
        if (tokens.isEmpty()) return List.of();
        return tx.inTransaction("give back the unconfirmed claims of drain " + lease.drainName(), c -> {
            // Through quarry_jobs_finished (queue, status, ...): the queue's running jobs, a few.
            List<Long> found = new ArrayList<>();
            try (PreparedStatement sel = c.prepareStatement("SELECT id FROM quarry_jobs WHERE queue = ? AND status = 'running'"
                    + " AND claim_token IN (" + numbers(tokens) + ")")) {
                sel.setString(1, lease.queue());
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) found.add(rs.getLong(1));
                }
            }
            List<Long> ids = lockFree(c, found);
            if (ids.isEmpty()) return List.of();
            try (PreparedStatement upd = c.prepareStatement("UPDATE quarry_jobs SET status = 'ready', attempts = GREATEST(attempts - 1, 0),"
                    + " claim_token = NULL WHERE id IN (" + numbers(ids) + ") AND status = 'running' AND claim_token IN ("
                    + numbers(tokens) + ")")) {
                upd.executeUpdate();
            }
            List<Long> sorted = new ArrayList<>(ids);
            Collections.sort(sorted);
            return sorted;
        });
    }

    /**
     * What a claim brought: the jobs claimed, those of the completions it recorded that the fencing
     * refused, whether it extended the lease, and where it ended (null when it claimed nothing).
     */
    public record Claim(List<ClaimedJob> jobs, List<ClaimedJob> refusedCompletions, boolean renewed, Cursor last) {
    }

    /**
     * Marks jobs done in one statement that matches each row on its id and its claim's token; the
     * results the jobs carry ({@link ClaimedJob#result()}) are set by the same statement, so a
     * refused completion stores no result either.
     *
     * <p>The token test is {@code claim_token IN (the tokens of these jobs' claims)}, a handful of
     * values, not one (id, token) pair per job, which MariaDB's range analysis expands job by job.
     * It is as strict: a row carries the token of the last claim that took it, and a drain never
     * holds two claims of one row at once (a row is claimed again only after it left running, and
     * then its earlier run is not among the done ones); a row taken over by another drain carries
     * that drain's token, which no claim of this one has.
     *
     * @return the jobs whose completion was refused because their row no longer carries this claim
     */
    public List<ClaimedJob> markDone(List<ClaimedJob> jobs) {
        if (jobs.isEmpty()) return List.of();
        return tx.inTransaction("record " + jobs.size() + " completed jobs", c -> markDone(c, jobs));
    }

    private static List<ClaimedJob> markDone(Connection c, List<ClaimedJob> jobs) throws SQLException {
        int n;
        // The plain id list is what lets MariaDB take the rows by primary key.
        List<ClaimedJob> withResult = jobs.stream().filter(j -> j.result() != null).toList();
        List<Long> ids = new ArrayList<>(jobs.size());
        java.util.Set<Long> tokens = new java.util.LinkedHashSet<>();
        for (ClaimedJob j : jobs) {
            ids.add(j.id());
            tokens.add(j.claimToken());
        }
        try (PreparedStatement upd = c.prepareStatement("UPDATE quarry_jobs SET status = 'done', finished_at = NOW(6)"
                + resultsSet(withResult.size())
                + " WHERE id IN (" + numbers(ids) + ") AND status = 'running' AND claim_token IN (" + numbers(tokens) + ")")) {
            int i = 1;
            for (ClaimedJob j : withResult) {
                upd.setLong(i++, j.id());
                upd.setString(i++, j.result());
            }
            n = upd.executeUpdate();
        }
        return n == jobs.size() ? List.of() : notFinishedBy(c, jobs, "done");
    }

    /** The SET part for {@code n} results, one CASE arm per job (id, result); nothing when no job has one. */
    private static String resultsSet(int n) {
        return n == 0 ? "" : ", result = CASE id" + " WHEN ? THEN ?".repeat(n) + " ELSE result END";
    }

    /** Back to scheduled at now + delay (ready when there is none), with the error kept; false when the claim was lost. */
    public boolean retry(ClaimedJob job, Duration delay, String error) {
        long micros = delay.toNanos() / 1000;
        return transition(job, "retry", "status = ?, run_at = NOW(6) + INTERVAL ? MICROSECOND, last_error = ?, claim_token = NULL",
                waitingState(micros), micros, clip(error));
    }

    /** A job due later waits as scheduled, out of the claim's range; one due now is ready. */
    private static String waitingState(long delayMicros) {
        return (delayMicros > 0 ? JobState.SCHEDULED : JobState.READY).sql();
    }

    /** To dead, finished, with the error kept; false when the claim was lost. */
    public boolean bury(ClaimedJob job, String error) {
        return transition(job, "bury", "status = 'dead', finished_at = NOW(6), last_error = ?, claim_token = NULL", clip(error));
    }

    /** To cancelled, finished, with a note; false when the claim was lost. */
    public boolean cancel(ClaimedJob job, String note) {
        return transition(job, "cancel", "status = 'cancelled', finished_at = NOW(6), last_error = ?, claim_token = NULL", clip(note));
    }

    /** Whether the queue has a job that is due now: ready, or scheduled and not yet promoted. */
    public boolean hasDue(String queue) {
        return tx.autoCommit("look for due jobs in queue " + queue, c -> {
            try (PreparedStatement sel = c.prepareStatement(HAS_DUE_SQL)) {
                sel.setString(1, queue);
                sel.setString(2, queue);
                try (ResultSet rs = sel.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /** Ids of this drain's running jobs that an operator asked to stop (bin/quarry cancel). */
    public java.util.Set<Long> cancelRequests(Lease lease) {
        return tx.autoCommit("read cancel requests of queue " + lease.queue(), c -> {
            try (PreparedStatement sel = c.prepareStatement("SELECT id FROM quarry_jobs WHERE queue = ? AND status = 'running'"
                    + " AND COALESCE(drain, 1) = ? AND lease_epoch = ? AND cancel_requested = 1")) {
                sel.setString(1, lease.queue());
                sel.setInt(2, lease.drain());
                sel.setLong(3, lease.epoch());
                java.util.Set<Long> ids = new java.util.HashSet<>();
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) ids.add(rs.getLong(1));
                }
                return ids;
            }
        });
    }

    /**
     * Back at now + delay without using up the attempt: the handler asked to run later (scheduled),
     * or the node gave the job back unrun or interrupted (shutdown, lost lease: ready, no delay).
     */
    public boolean giveBack(ClaimedJob job, Duration delay, String note) {
        long micros = delay.toNanos() / 1000;
        return transition(job, "give back", "status = ?, run_at = NOW(6) + INTERVAL ? MICROSECOND,"
                + " attempts = GREATEST(attempts - 1, 0), last_error = COALESCE(?, last_error), claim_token = NULL",
                waitingState(micros), micros, note == null ? null : clip(note));
    }

    /**
     * Stages the queue once, in a transaction of its own: promotes up to {@code limit} scheduled
     * jobs that are due. A claim does this itself; this is for tests and tools.
     *
     * @return how many rows changed state
     */
    public int stage(String queue, int limit) {
        return tx.inTransaction("stage due jobs of queue " + queue, c -> stage(c, queue, limit));
    }

    /** Whether a claim should stage now: always after a short claim, else once the interval has passed. */
    private static boolean stageDue(StageClock clock) {
        long now = System.nanoTime();
        if (clock.staged && clock.lastClaimFull && now - clock.lastNanos < STAGE_EVERY_NANOS) return false;
        clock.staged = true;
        clock.lastNanos = now;
        return true;
    }

    static int stage(Connection c, String queue, int limit) throws SQLException {
        List<Long> found = new ArrayList<>();
        try (PreparedStatement sel = c.prepareStatement(STAGE_FIND_SQL)) {
            sel.setString(1, queue);
            sel.setInt(2, limit);
            try (ResultSet rs = sel.executeQuery()) {
                while (rs.next()) found.add(rs.getLong(1));
            }
        }
        List<Long> ids = lockFree(c, found);
        if (ids.isEmpty()) return 0;
        try (PreparedStatement upd = c.prepareStatement(STAGE_SQL + numbers(ids) + ")")) {
            return upd.executeUpdate();
        }
    }

    /**
     * Of {@code ids}, those this transaction could lock now, by primary key, passing over rows
     * another transaction holds ({@code SKIP LOCKED}): a row a frozen node's transaction holds
     * never holds this one up.
     */
    private static List<Long> lockFree(Connection c, List<Long> ids) throws SQLException {
        if (ids.isEmpty()) return List.of();
        List<Long> locked = new ArrayList<>(ids.size());
        try (PreparedStatement sel = c.prepareStatement("SELECT id FROM quarry_jobs WHERE id IN (" + numbers(ids)
                + ") FOR UPDATE SKIP LOCKED")) {
            try (ResultSet rs = sel.executeQuery()) {
                while (rs.next()) locked.add(rs.getLong(1));
            }
        }
        return locked;
    }

    private boolean transition(ClaimedJob job, String what, String set, Object... params) {
        return tx.autoCommit(what + " " + job, c -> {
            try (PreparedStatement upd = c.prepareStatement(
                    "UPDATE quarry_jobs SET " + set + " WHERE id = ? AND claim_token = ? AND status = 'running'")) {
                int i = 1;
                for (Object p : params) upd.setObject(i++, p);
                upd.setLong(i++, job.id());
                upd.setLong(i, job.claimToken());
                return upd.executeUpdate() == 1;
            }
        });
    }

    /**
     * Returns to ready, or buries when no attempt is left, every job still running under an
     * earlier epoch of the lease's drain. Called by a drain that has just taken its lease: every
     * earlier holder of that drain has then ended or been declared dead, so such a job's claim
     * belongs to nobody. The queue's other drains keep their jobs: each row names the drain that
     * claimed it (NULL, from a node before drains were numbered, is drain 1). The attempt it was on
     * counts.
     */
    public List<Rescued> rescueOrphans(Lease lease, int defaultMaxAttempts) {
        return tx.inTransaction("rescue orphaned jobs of drain " + lease.drainName(), c -> {
            // A plain read finds them, a locking read by id takes those no transaction holds: a
            // locking scan of the queue's running jobs would wait on, and hold up, the jobs of the
            // queue's other drains. A row held (by its frozen former holder) is left for later.
            Map<Long, Rescued> byId = new HashMap<>();
            try (PreparedStatement sel = c.prepareStatement(ORPHANS_SQL)) {
                sel.setInt(1, defaultMaxAttempts);
                sel.setString(2, lease.queue());
                sel.setInt(3, lease.drain());
                sel.setLong(4, lease.epoch());
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) {
                        int attempts = rs.getInt(3);
                        int max = rs.getInt(4);
                        boolean cancel = rs.getBoolean(5);
                        JobState to = cancel ? JobState.CANCELLED : attempts >= max ? JobState.DEAD : JobState.READY;
                        byId.put(rs.getLong(1), new Rescued(rs.getLong(1), rs.getString(2), attempts, max, to));
                    }
                }
            }
            List<Rescued> found = new ArrayList<>();
            for (Long id : lockFree(c, new ArrayList<>(byId.keySet()))) {
                Rescued r = byId.get(id);
                String error = "orphaned: node " + r.claimedBy() + " stopped during attempt " + r.attempt() + " of " + r.maxAttempts()
                        + switch (r.to()) {
                            case CANCELLED -> "; cancelled, as requested";
                            case DEAD -> "; no attempts left";
                            default -> "; will run again";
                        };
                String set = r.to() == JobState.READY
                        ? "status = 'ready', last_error = ?, claim_token = NULL"
                        : "status = '" + r.to().sql() + "', finished_at = NOW(6), last_error = ?, claim_token = NULL";
                try (PreparedStatement upd = c.prepareStatement("UPDATE quarry_jobs SET " + set + " WHERE id = ? AND status = 'running'"
                        + " AND COALESCE(drain, 1) = ? AND (lease_epoch IS NULL OR lease_epoch < ?)")) {
                    upd.setString(1, error);
                    upd.setLong(2, r.id());
                    upd.setInt(3, lease.drain());
                    upd.setLong(4, lease.epoch());
                    if (upd.executeUpdate() == 1) found.add(r);
                }
            }
            found.sort((a, b) -> Long.compare(a.id(), b.id()));
            return found;
        });
    }

    /** Whether jobs of the lease's drain still run under an earlier epoch: orphans a rescue passed over because their row was held. */
    public boolean hasOrphans(Lease lease) {
        return tx.autoCommit("look for orphaned jobs of drain " + lease.drainName(), c -> {
            try (PreparedStatement sel = c.prepareStatement(ORPHANS_SQL + " LIMIT 1")) {
                sel.setInt(1, 1);
                sel.setString(2, lease.queue());
                sel.setInt(3, lease.drain());
                sel.setLong(4, lease.epoch());
                try (ResultSet rs = sel.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /**
     * A drain's orphans: its jobs still running under an earlier epoch (NULL drain is drain 1).
     * Parameters: default max attempts, queue, drain, epoch. Through quarry_jobs_finished
     * (queue, status, ...): the queue's running jobs, as many as its drains run at once.
     */
    static final String ORPHANS_SQL = "SELECT id, claimed_by, attempts, COALESCE(max_attempts, ?), cancel_requested FROM quarry_jobs"
            + " WHERE queue = ? AND status = 'running' AND COALESCE(drain, 1) = ? AND (lease_epoch IS NULL OR lease_epoch < ?)";

    /**
     * The one statement that deletes expired jobs, for the node's Pruner and {@code quarry purge}.
     * Queue and status first, as the quarry_jobs_finished index has them, then finished_at: each
     * chunk is the oldest end of one index range, not a scan. Parameters: queue, status, age in
     * microseconds, chunk size.
     */
    static final String PRUNE_SQL = "DELETE FROM quarry_jobs WHERE queue = ? AND status = ?"
            + " AND finished_at < NOW(6) - INTERVAL ? MICROSECOND LIMIT ?";

    /**
     * Deletes up to {@code limit} rows of one finished status that finished more than {@code age}
     * ago by the database's clock, in a transaction of their own; returns how many.
     */
    public int prune(String queue, JobState status, Duration age, int limit) {
        if (!status.finished()) throw new IllegalArgumentException("only finished rows are pruned, not " + status);
        return tx.autoCommit("prune " + status.sql() + " jobs of queue " + queue, c -> {
            try (PreparedStatement del = c.prepareStatement(PRUNE_SQL)) {
                del.setString(1, queue);
                del.setString(2, status.sql());
                del.setLong(3, age.toNanos() / 1000);
                del.setInt(4, limit);
                return del.executeUpdate();
            }
        });
    }

    /** Of {@code jobs}, those whose row is not now {@code status} under their own token, each with what the row says. */
    private static List<ClaimedJob> notFinishedBy(Connection c, List<ClaimedJob> jobs, String status) throws SQLException {
        Map<Long, ClaimedJob> byId = new HashMap<>();
        for (ClaimedJob j : jobs) byId.put(j.id(), j);
        try (PreparedStatement sel = c.prepareStatement(
                "SELECT id, status, claim_token FROM quarry_jobs WHERE id IN (" + numbers(byId.keySet()) + ")")) {
            try (ResultSet rs = sel.executeQuery()) {
                while (rs.next()) {
                    ClaimedJob j = byId.get(rs.getLong(1));
                    long token = rs.getLong(3);
                    if (status.equals(rs.getString(2)) && !rs.wasNull() && token == j.claimToken()) byId.remove(j.id());
                }
            }
        }
        List<ClaimedJob> refused = new ArrayList<>(byId.values());
        Collections.sort(refused, (a, b) -> Long.compare(a.id(), b.id()));
        return refused;
    }

    /** One line on what a row says now, for the log line of a refused completion. */
    public String describe(long id) {
        return tx.autoCommit("read job " + id, c -> {
            try (PreparedStatement sel = c.prepareStatement(
                    "SELECT status, claimed_by, lease_epoch, attempts FROM quarry_jobs WHERE id = ?")) {
                sel.setLong(1, id);
                try (ResultSet rs = sel.executeQuery()) {
                    if (!rs.next()) return "the row is gone";
                    return "the row is now " + rs.getString(1) + ", attempt " + rs.getInt(4)
                            + (rs.getString(2) == null ? "" : ", claimed by " + rs.getString(2) + " under lease epoch " + rs.getLong(3));
                }
            }
        });
    }

    private static String clip(String error) {
        return Text.tail(error, MAX_ERROR_CHARS);
    }

    /** Numbers as a comma-separated list of decimal literals, for an {@code IN (...)}: only longs, never text. */
    static String numbers(java.util.Collection<Long> values) {
        StringBuilder s = new StringBuilder(values.size() * 9);
        for (long v : values) {
            if (s.length() > 0) s.append(',');
            s.append(v);
        }
        return s.toString();
    }

    /** A job found running under a dead drain, and where it went. */
    public record Rescued(long id, String claimedBy, int attempt, int maxAttempts, JobState to) {
        public boolean buried() {
            return to == JobState.DEAD;
        }
    }
}
