package dev.quarry.internal.schedule;

import dev.quarry.client.NewJob;
import dev.quarry.client.QuarryClient;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.internal.queue.Transactions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns a fire of a schedule, or a file a watch found, into exactly one job. Each enqueue inserts
 * a row into {@code quarry_fires} keyed by (source, fire key) in the same transaction as the job:
 * a fire that runs again finds the row and enqueues nothing, however long ago the first job
 * finished. (The job's unique key alone would not do: it is free again once the job is done.)
 */
public final class FireEnqueuer {
    static final String SCHEDULE = "schedule";
    static final String WATCH = "watch";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEY_MAX = 255;

    private final Transactions tx;
    private final QuarryClient client;

    public FireEnqueuer(Transactions tx) {
        this.tx = tx;
        this.client = new QuarryClient(tx.dataSource());
    }

    /**
     * What one fire did.
     *
     * @param jobId    the job enqueued for it, or the one an earlier run of the same fire enqueued
     * @param repeated true when an earlier run of this fire had enqueued it already
     * @param queue    the job's queue
     */
    public record Result(long jobId, boolean repeated, String queue) {
    }

    /** The scheduled fire of schedule {@code name} at {@code fireTime}; empty when the schedule is gone or paused. */
    public Optional<Result> schedule(String name, Instant fireTime) {
        Instant at = fireTime.truncatedTo(ChronoUnit.MILLIS);
        String fireKey = DateTimeFormatter.ISO_INSTANT.format(at);
        return tx.inTransaction("enqueue the fire of schedule " + name + " at " + fireKey, c -> {
            Definition d = definition(c, SCHEDULE, name);
            if (d == null || d.paused) return Optional.<Result>empty();
            return Optional.of(enqueue(c, SCHEDULE, name, fireKey, "schedule:" + name + "@" + fireKey, at, render(d, name, at), d));
        });
    }

    /** One job of schedule {@code name} now, paused or not ({@code quarry schedule run}); its fire time is now. */
    public Optional<Result> runNow(String name) {
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String fireKey = DateTimeFormatter.ISO_INSTANT.format(at) + "/run-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        return tx.inTransaction("enqueue a run of schedule " + name, c -> {
            Definition d = definition(c, SCHEDULE, name);
            if (d == null) return Optional.<Result>empty();
            return Optional.of(enqueue(c, SCHEDULE, name, fireKey, "schedule:" + name + "@" + fireKey, at, render(d, name, at), d));
        });
    }

    /** A file watch {@code name} found; empty when the watch is gone or paused. */
    public Optional<Result> file(String name, String path, long modifiedMillis, long size) {
        String fireKey = bounded(path + "@" + modifiedMillis);
        Instant modified = Instant.ofEpochMilli(modifiedMillis);
        return tx.inTransaction("enqueue file " + path + " of watch " + name, c -> {
            Definition d = definition(c, WATCH, name);
            if (d == null || d.paused) return Optional.<Result>empty();
            ObjectNode payload = JSON.createObjectNode().put("file", path).put("size", size)
                    .put("modified", DateTimeFormatter.ISO_INSTANT.format(modified)).put("watch", name);
            return Optional.of(enqueue(c, WATCH, name, fireKey, bounded("watch:" + name + ":" + path + "@" + modifiedMillis), Instant.now(),
                    payload.toString(), d));
        });
    }

    /** Deletes fire rows older than {@code keep}; returns how many. */
    public int prune(Duration keep) {
        return tx.autoCommit("prune old fires", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM quarry_fires WHERE fired_at < NOW(6) - INTERVAL ? SECOND LIMIT 10000")) {
                ps.setLong(1, keep.toSeconds());
                return ps.executeUpdate();
            }
        });
    }

    private record Definition(String type, String payload, String queue, int priority, Integer maxAttempts, ZoneId zone, boolean paused) {
    }

    private static Definition definition(Connection c, String kind, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT type, payload, queue, priority, max_attempts, time_zone, paused"
                + " FROM quarry_schedules WHERE kind = ? AND name = ?")) {
            ps.setString(1, kind);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return null;
                int max = rs.getInt(5);
                Integer maxAttempts = rs.wasNull() ? null : max;
                return new Definition(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), maxAttempts, ZoneId.of(rs.getString(6)),
                        rs.getBoolean(7));
            }
        }
    }

    /** The payload with its placeholders filled in for the fire at {@code at}. */
    static String render(String template, String name, Instant at, ZoneId zone) {
        if (!template.contains("${")) return template;
        ZonedDateTime local = at.atZone(zone);
        return template.replace("${fireTimeLocal}", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(local))
                .replace("${fireTime}", DateTimeFormatter.ISO_INSTANT.format(at))
                .replace("${date}", DateTimeFormatter.ISO_LOCAL_DATE.format(local))
                .replace("${schedule}", name);
    }

    private static String render(Definition d, String name, Instant at) {
        return render(d.payload, name, at, d.zone);
    }

    private Result enqueue(Connection c, String kind, String name, String fireKey, String uniqueKey, Instant at, String payload,
                                  Definition d) throws SQLException {
        String source = kind + ":" + name;
        try (PreparedStatement ps = c.prepareStatement("INSERT IGNORE INTO quarry_fires (source, fire_key) VALUES (?, ?)")) {
            ps.setString(1, source);
            ps.setString(2, fireKey);
            if (ps.executeUpdate() == 0) return new Result(earlierJob(c, source, fireKey), true, d.queue);
        }
        // The fire row was pruned while the job it made still runs: that job is this fire's.
        long held = activeJob(c, uniqueKey);
        long id = held > 0 ? held : insertJob(c, d, payload, uniqueKey);
        try (PreparedStatement ps = c.prepareStatement("UPDATE quarry_fires SET job_id = ? WHERE source = ? AND fire_key = ?")) {
            ps.setLong(1, id);
            ps.setString(2, source);
            ps.setString(3, fireKey);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE quarry_schedules SET last_fire_at = ?, last_job_id = ?"
                + " WHERE kind = ? AND name = ? AND (last_fire_at IS NULL OR last_fire_at <= ?)")) {
            Timestamp t = Timestamp.from(at);
            ps.setTimestamp(1, t);
            ps.setLong(2, id);
            ps.setString(3, kind);
            ps.setString(4, name);
            ps.setTimestamp(5, t);
            ps.executeUpdate();
        }
        return new Result(id, held > 0, d.queue);
    }

    /** The job itself, as a producer enqueues one: the same INSERT and the same checks, in this fire's transaction. */
    private long insertJob(Connection c, Definition d, String payload, String uniqueKey) {
        return client.enqueue(c, NewJob.builder(d.type).queue(d.queue).payload(payload).priority(d.priority)
                .maxAttempts(d.maxAttempts).uniqueKey(uniqueKey).build());
    }

    private static long activeJob(Connection c, String uniqueKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM quarry_jobs WHERE active_unique_key = ?")) {
            ps.setString(1, uniqueKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static long earlierJob(Connection c, String source, String fireKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT job_id FROM quarry_fires WHERE source = ? AND fire_key = ?")) {
            ps.setString(1, source);
            ps.setString(2, fireKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** {@code key} if it fits a key column, else its SHA-256: a long path still gets one stable key. */
    static String bounded(String key) {
        if (key.length() <= KEY_MAX) return key;
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
