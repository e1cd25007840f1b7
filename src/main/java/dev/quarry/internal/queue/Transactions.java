package dev.quarry.internal.queue;

import dev.quarry.QuarryException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs units of work in one transaction each. MariaDB ends a transaction that loses a deadlock
 * (1213) or waits too long for a lock (1205); both are retried here with a short random pause,
 * counted, and logged once per burst. SQLException is wrapped in {@link QuarryException}; a COMMIT
 * that fails, whose outcome the client cannot know, in {@link CommitUnconfirmedException}.
 */
public final class Transactions {
    private static final Logger log = LoggerFactory.getLogger(Transactions.class);
    private static final int MAX_TRIES = 6;

    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final DataSource dataSource;
    private final AtomicLong retried = new AtomicLong();
    private volatile long lastRetryLogNanos;

    public Transactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** How many transactions were retried after a deadlock or lock-wait timeout since start. */
    public long retried() {
        return retried.get();
    }

    /** Runs {@code work} and commits; {@code what} names it in errors ("claim from queue video"). */
    public <T> T inTransaction(String what, Work<T> work) {
        return withRetries(what, c -> {
            // The node's pool hands out connections with auto-commit off already: no toggling
            // round trips per transaction. Other data sources are switched here.
            if (c.getAutoCommit()) c.setAutoCommit(false);
            try {
                T result = work.run(c);
                try {
                    c.commit();
                } catch (SQLException e) {
                    throw new CommitUnconfirmedException(what, e);
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
        });
    }

    /** Runs {@code work} (single statements) and commits it, whatever the pool's auto-commit mode. */
    public <T> T autoCommit(String what, Work<T> work) {
        return withRetries(what, c -> {
            T result = work.run(c);
            if (!c.getAutoCommit()) c.commit();
            return result;
        });
    }

    /** Runs {@code work} on a pooled connection, again after a deadlock or lock-wait timeout. */
    private <T> T withRetries(String what, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                return work.run(c);
            } catch (SQLException e) {
                if (retryable(e) && attempt < MAX_TRIES) {
                    noteRetry(what, e);
                    pause(attempt);
                    continue;
                }
                throw new QuarryException(what + " failed: " + describe(e), e);
            } catch (QuarryException e) {
                // A statement of the work that reported its failure itself (QuarryClient on the caller's connection);
                // never a commit whose outcome is unknown, which is not safe to repeat.
                if (!(e instanceof CommitUnconfirmedException) && e.getCause() instanceof SQLException s && retryable(s)
                        && attempt < MAX_TRIES) {
                    noteRetry(what, s);
                    pause(attempt);
                    continue;
                }
                throw e;
            }
        }
    }

    static boolean retryable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && (s.getErrorCode() == 1213 || s.getErrorCode() == 1205 || "40001".equals(s.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    /** The innermost cause's message on one line, with its error code: why a connection failed. */
    public static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String msg = t.getMessage() == null ? t.toString() : t.getMessage().strip();
        if (t instanceof SQLException s && s.getErrorCode() != 0) msg += " (error " + s.getErrorCode() + ")";
        return msg.replace('\n', ' ');
    }

    /** The driver's message with its error code: what an operator needs to look it up. */
    public static String describe(SQLException e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        return e.getErrorCode() != 0 ? msg + " (error " + e.getErrorCode() + ")" : msg;
    }

    private void noteRetry(String what, SQLException e) {
        retried.incrementAndGet();
        dev.quarry.internal.metrics.NodeMetrics.get().dbRetry();
        long now = System.nanoTime();
        // One line per burst: contention comes in waves and a line per retry would drown the log.
        if (now - lastRetryLogNanos > 10_000_000_000L) {
            lastRetryLogNanos = now;
            log.warn("{}: {}; retrying ({} retried since start)", what, describe(e), retried.get());
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L * attempt));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new QuarryException("interrupted while retrying a transaction");
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
