package dev.quarry.internal.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * All SQL on {@code quarry_leases}. Times are the database's ({@code NOW(6)}), never a node's.
 *
 * <p>Quartz's cluster lock alone does not keep two drains of one queue apart: a node that stalls
 * past the check-in grace (GC pause, SIGSTOP, VM freeze) is declared dead and a peer fires the same
 * job while the first still runs (quartz-scheduler/quartz#782, #847). The lease closes that gap:
 * a drain claims only inside a transaction that locks and renews its own lease row, so claims of
 * two drains can never interleave.
 */
public final class LeaseStore {
    /**
     * Quartz's fixed grace beyond a node's check-in interval (JobStoreSupport.findFailedInstances):
     * a node silent longer than interval + grace is declared dead by its peers.
     */
    public static final long QUARTZ_CHECKIN_GRACE_MILLIS = 7_500;

    /**
     * A live node's check-in row {@code s} of Quartz's SCHEDULER_STATE: one Quartz would not yet
     * declare dead (its last check-in younger than its interval plus the grace), on this node's
     * clock, as Quartz's own test is. Two parameters, bound by {@link #bindLive}.
     */
    static final String LIVE_CHECKIN = "s.LAST_CHECKIN_TIME + s.CHECKIN_INTERVAL + ? >= ?";

    /** Binds {@link #LIVE_CHECKIN}'s two parameters from {@code index}; returns the next index. */
    static int bindLive(PreparedStatement ps, int index) throws SQLException {
        ps.setLong(index, QUARTZ_CHECKIN_GRACE_MILLIS);
        ps.setLong(index + 1, System.currentTimeMillis());
        return index + 2;
    }

    /** Drain 1's row, the queue's: created first by whoever needs a row of the queue, a drain's take or a pause. */
    static final String CREATE_FIRST_SQL = "INSERT IGNORE INTO quarry_leases (queue, drain) VALUES (?, 1)";
    /**
     * Locks drain 1's row and reads the queue's pause flag: the one lock a pause and the creation of
     * a later drain's row both take first, so neither misses the other.
     */
    static final String LOCK_FIRST_SQL = "SELECT paused FROM quarry_leases WHERE queue = ? AND drain = 1 FOR UPDATE";
    /** Every drain's row of the queue at once, under drain 1's lock. */
    static final String SET_PAUSED_SQL = "UPDATE quarry_leases SET paused = ? WHERE queue = ?";
    /** The queue's live holder that sorts first: one primary-key range (queue, drain) of the lease table. */
    static final String FIRST_LIVE_HOLDER_SQL = "SELECT MIN(holder) FROM quarry_leases WHERE queue = ? AND holder IS NOT NULL"
            + " AND expires_at > NOW(6)";

    private final Transactions tx;
    private final String schedulerName;
    private final String quartzTablePrefix;

    /**
     * @param schedulerName     Quartz's SCHED_NAME, to see which holders Quartz still lists as checked in
     * @param quartzTablePrefix usually {@code QRTZ_}
     */
    public LeaseStore(Transactions tx, String schedulerName, String quartzTablePrefix) {
        this.tx = tx;
        this.schedulerName = schedulerName;
        this.quartzTablePrefix = quartzTablePrefix;
    }

    /**
     * Takes the lease of drain {@code drain} of the queue for {@code node}, raising its epoch, when
     * no one holds it: the row has no holder, or its expiry has passed by the database's clock. An
     * unexpired lease is never taken, whatever Quartz says of its holder: Quartz declares a node
     * dead after a stall, a skewed clock or a slow database as readily as after a crash, and the
     * holder's own start gate ({@link dev.quarry.internal.drain.LeaseKeeper}) stays open until the expiry it
     * last wrote. Taking the lease only after that expiry is what keeps a job from starting on two
     * nodes.
     *
     * @return the lease, or who holds it, for how long, and whether Quartz still lists the holder
     */
    public Result tryAcquire(String queue, int drain, String node, Duration duration) {
        String name = Drains.name(queue, drain);
        return tx.inTransaction("take the lease of drain " + name, c -> {
            // A plain read first: a drain waiting out a live lease asks several times a second, and a
            // locking read each time would queue up behind, and deadlock with, the holder's claims.
            LeaseRow seen = read(c, queue, drain, false);
            if (seen == null) {
                create(c, queue, drain);
            } else if (seen.held()) {
                return refused(c, queue, drain, seen);
            }
            LeaseRow row = read(c, queue, drain, true);
            if (row.held()) return refused(c, queue, drain, row);
            try (PreparedStatement upd = c.prepareStatement(
                    "UPDATE quarry_leases SET holder = ?, epoch = epoch + 1, acquired_at = NOW(6),"
                            + " expires_at = NOW(6) + INTERVAL ? MICROSECOND WHERE queue = ? AND drain = ? AND epoch = ?")) {
                upd.setString(1, node);
                upd.setLong(2, duration.toNanos() / 1000);
                upd.setString(3, queue);
                upd.setInt(4, drain);
                upd.setLong(5, row.epoch());
                if (upd.executeUpdate() != 1) {
                    throw new SQLException("lease row of drain " + name + " changed under its row lock");
                }
            }
            return new Result(new Lease(queue, drain, node, row.epoch() + 1), null);
        });
    }

    /**
     * Creates a drain's lease row, paused when its queue is. Drain 1's row is the queue's: it is
     * created first and locked while a later drain's row copies its pause flag, and a pause locks it
     * before it writes every row of the queue, so a drain added while the queue is being paused is
     * paused too.
     */
    private static void create(Connection c, String queue, int drain) throws SQLException {
        createFirst(c, queue);
        if (drain == 1) return;
        boolean paused = lockFirst(c, queue);
        try (PreparedStatement ins = c.prepareStatement("INSERT IGNORE INTO quarry_leases (queue, drain, paused) VALUES (?, ?, ?)")) {
            ins.setString(1, queue);
            ins.setInt(2, drain);
            ins.setBoolean(3, paused);
            ins.executeUpdate();
        }
    }

    private static void createFirst(Connection c, String queue) throws SQLException {
        try (PreparedStatement ins = c.prepareStatement(CREATE_FIRST_SQL)) {
            ins.setString(1, queue);
            ins.executeUpdate();
        }
    }

    /** Locks drain 1's row; returns the queue's pause flag (false when the row is missing). */
    private static boolean lockFirst(Connection c, String queue) throws SQLException {
        try (PreparedStatement sel = c.prepareStatement(LOCK_FIRST_SQL)) {
            sel.setString(1, queue);
            try (ResultSet rs = sel.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** The drain's lease row, locked when {@code forUpdate}; null when it has none yet. */
    private static LeaseRow read(Connection c, String queue, int drain, boolean forUpdate) throws SQLException {
        try (PreparedStatement sel = c.prepareStatement("SELECT holder, epoch, TIMESTAMPDIFF(MICROSECOND, NOW(6), expires_at)"
                + " FROM quarry_leases WHERE queue = ? AND drain = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            sel.setString(1, queue);
            sel.setInt(2, drain);
            try (ResultSet rs = sel.executeQuery()) {
                return rs.next() ? new LeaseRow(rs.getString(1), rs.getLong(2), rs.getLong(3)) : null;
            }
        }
    }

    /** The refusal, with whether Quartz still lists the holder (a plain read: it locks nothing of Quartz's). */
    private Result refused(Connection c, String queue, int drain, LeaseRow row) throws SQLException {
        boolean checkedIn;
        try (PreparedStatement sel = c.prepareStatement("SELECT 1 FROM " + quartzTablePrefix + "SCHEDULER_STATE"
                + " WHERE SCHED_NAME = ? AND INSTANCE_NAME = ?")) {
            sel.setString(1, schedulerName);
            sel.setString(2, row.holder());
            try (ResultSet rs = sel.executeQuery()) {
                checkedIn = rs.next();
            }
        }
        return new Result(null, new LeaseRefused(Drains.name(queue, drain), row.holder(), row.epoch(), row.remainingMicros() / 1000, checkedIn));
    }

    private record LeaseRow(String holder, long epoch, long remainingMicros) {
        boolean held() {
            return holder != null && remainingMicros > 0;
        }
    }

    /**
     * Extends the lease inside {@code c}'s transaction; the row stays locked until it commits.
     * The common case (held, not paused) is one statement.
     *
     * @return whether the queue is paused
     * @throws LeaseLostException when another drain has taken the lease over
     */
    static boolean renew(Connection c, Lease lease, Duration duration) throws SQLException {
        if (extend(c, lease, duration, " AND paused = 0") == 1) return false;
        if (extend(c, lease, duration, "") == 1) return true;
        throw new LeaseLostException(lease);
    }

    /** Whether the lease row still names this drain and says the queue is paused. */
    static boolean isPaused(Connection c, Lease lease) throws SQLException {
        try (PreparedStatement sel = c.prepareStatement(
                "SELECT paused FROM quarry_leases WHERE queue = ? AND drain = ? AND holder = ? AND epoch = ?")) {
            sel.setString(1, lease.queue());
            sel.setInt(2, lease.drain());
            sel.setString(3, lease.holder());
            sel.setLong(4, lease.epoch());
            try (ResultSet rs = sel.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static int extend(Connection c, Lease lease, Duration duration, String condition) throws SQLException {
        try (PreparedStatement upd = c.prepareStatement("UPDATE quarry_leases SET expires_at = NOW(6) + INTERVAL ? MICROSECOND"
                + " WHERE queue = ? AND drain = ? AND holder = ? AND epoch = ?" + condition)) {
            upd.setLong(1, duration.toNanos() / 1000);
            upd.setString(2, lease.queue());
            upd.setInt(3, lease.drain());
            upd.setString(4, lease.holder());
            upd.setLong(5, lease.epoch());
            return upd.executeUpdate();
        }
    }

    /** @throws LeaseLostException when another drain has taken the lease over */
    public void renew(Lease lease, Duration duration) {
        tx.inTransaction("renew the lease of drain " + lease.drainName(), c -> {
            renew(c, lease, duration);
            return null;
        });
    }

    /** Gives the lease up so the next drain need not wait for it to expire. A lost lease is left alone. */
    public boolean release(Lease lease) {
        return tx.autoCommit("release the lease of drain " + lease.drainName(), c -> {
            try (PreparedStatement upd = c.prepareStatement("UPDATE quarry_leases SET holder = NULL, expires_at = NOW(6)"
                    + " WHERE queue = ? AND drain = ? AND holder = ? AND epoch = ?")) {
                upd.setString(1, lease.queue());
                upd.setInt(2, lease.drain());
                upd.setString(3, lease.holder());
                upd.setLong(4, lease.epoch());
                return upd.executeUpdate() == 1;
            }
        });
    }

    /** Who holds the lease of drain {@code drain} of the queue now (it may be this node). */
    public Optional<String> liveHolder(String queue, int drain) {
        return tx.autoCommit("read the lease of drain " + Drains.name(queue, drain), c -> {
            try (PreparedStatement sel = c.prepareStatement(
                    "SELECT holder FROM quarry_leases WHERE queue = ? AND drain = ? AND holder IS NOT NULL AND expires_at > NOW(6)")) {
                sel.setString(1, queue);
                sel.setInt(2, drain);
                try (ResultSet rs = sel.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    /**
     * The drains whose lease ran out while still held by a node Quartz would declare dead (no
     * check-in within its interval plus {@link #QUARTZ_CHECKIN_GRACE_MILLIS}): it died, or froze
     * past the lease. Live holders whose renewals failed (a database outage) are left to renew or
     * to Quartz, as before. Only drains of the queues in {@code drains}, numbered at most
     * {@code drains.get(queue)}. One read of the small lease table; nothing locked.
     */
    public List<Map.Entry<String, Integer>> abandoned(Map<String, Integer> drains) {
        return tx.autoCommit("read the expired leases", c -> {
            List<Map.Entry<String, Integer>> out = new ArrayList<>();
            try (PreparedStatement sel = c.prepareStatement("SELECT l.queue, l.drain FROM quarry_leases l WHERE l.holder IS NOT NULL"
                    + " AND l.expires_at < NOW(6) AND NOT EXISTS (SELECT 1 FROM " + quartzTablePrefix + "SCHEDULER_STATE s"
                    + " WHERE s.SCHED_NAME = ? AND s.INSTANCE_NAME = l.holder AND " + LIVE_CHECKIN + ")")) {
                sel.setString(1, schedulerName);
                bindLive(sel, 2);
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) {
                        Integer most = drains.get(rs.getString(1));
                        if (most != null && rs.getInt(2) <= most) out.add(Map.entry(rs.getString(1), rs.getInt(2)));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Pauses or resumes a queue (an operator's command): a paused queue's drains claim nothing
     * (running jobs finish). Works for a queue that never ran: drain 1's row is created. Drain 1's
     * row is the queue's: it is locked first, then every drain's row is written, and a drain's row
     * created later copies its flag under the same lock ({@link #create}), so no drain of a paused
     * queue claims.
     *
     * @return whether the queue was paused before
     */
    public boolean setPaused(String queue, boolean paused) {
        return tx.inTransaction((paused ? "pause" : "resume") + " queue " + queue, c -> {
            createFirst(c, queue);
            boolean before = lockFirst(c, queue);
            try (PreparedStatement upd = c.prepareStatement(SET_PAUSED_SQL)) {
                upd.setBoolean(1, paused);
                upd.setString(2, queue);
                upd.executeUpdate();
            }
            return before;
        });
    }

    /**
     * The live holder of the queue's lease that sorts first by name (of several, when the queue
     * has several drains), or empty when no drain holds it. The node it names reports the queue's
     * gauges, so a cluster reports each queue once.
     */
    public Optional<String> firstLiveHolder(String queue) {
        return tx.autoCommit("read the lease holders of queue " + queue, c -> {
            try (PreparedStatement sel = c.prepareStatement(FIRST_LIVE_HOLDER_SQL)) {
                sel.setString(1, queue);
                try (ResultSet rs = sel.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    /**
     * The cluster's live nodes, each with the drains it holds now, counted per queue (a live node
     * that holds none maps to an empty map); the balancer's view of who drains how much. A node is
     * live while Quartz would not yet declare it dead ({@link #LIVE_CHECKIN}: Quartz's own test,
     * on this node's clock, which Quartz already asks to be synchronized).
     */
    public Map<String, Map<String, Integer>> drainsByLiveNode() {
        return tx.autoCommit("read the cluster's drains", c -> {
            try (PreparedStatement sel = c.prepareStatement(
                    "SELECT s.INSTANCE_NAME, l.queue, COUNT(l.queue) FROM " + quartzTablePrefix + "SCHEDULER_STATE s"
                            + " LEFT JOIN quarry_leases l ON l.holder = s.INSTANCE_NAME AND l.expires_at > NOW(6)"
                            + " WHERE s.SCHED_NAME = ? AND " + LIVE_CHECKIN
                            + " GROUP BY s.INSTANCE_NAME, l.queue")) {
                sel.setString(1, schedulerName);
                bindLive(sel, 2);
                Map<String, Map<String, Integer>> drains = new HashMap<>();
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Integer> byQueue = drains.computeIfAbsent(rs.getString(1), k -> new HashMap<>());
                        if (rs.getString(2) != null) byQueue.put(rs.getString(2), rs.getInt(3));
                    }
                }
                return drains;
            }
        });
    }

    /** Either a lease or a refusal saying who holds it. */
    public record Result(Lease lease, LeaseRefused refused) {
        public boolean acquired() {
            return lease != null;
        }
    }
}
