package dev.quarry.internal.node;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import com.zaxxer.hikari.pool.HikariPool;
import com.zaxxer.hikari.util.DriverDataSource;
import dev.quarry.QuarryException;
import dev.quarry.internal.config.DatabaseConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the node's one HikariCP pool, which Quarry and Quartz share, and makes it come back at
 * once after the database does (a restart, a network cut): broken connections are evicted together
 * at the first sign of one ({@link #evictOnBrokenConnection}), and new ones are made within
 * {@link #RECONNECT_EVERY} of the server's return ({@link PatientDataSource}).
 */
final class ConnectionPool {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);
    /** How often a connect is tried again while the database refuses or cannot be reached. */
    static final Duration RECONNECT_EVERY = Duration.ofMillis(200);
    /** How long one connect keeps trying before the failure goes to Hikari (which then waits up to 5 s). */
    static final Duration RECONNECT_FOR = Duration.ofSeconds(60);
    /** At most one eviction of every idle connection per this long: a whole outage's failures evict once a second. */
    private static final long EVICT_AT_MOST_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private ConnectionPool() {
    }

    static HikariDataSource open(DatabaseConfig db) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("quarry");
        Properties driver = new Properties();
        // A partition that drops packets would leave a statement waiting for ever (the driver's
        // default); no statement of Quarry's or Quartz's takes a minute, and lock waits end sooner.
        if (!db.url().contains("socketTimeout")) driver.setProperty("socketTimeout", "60000");
        // A node cut off in the middle of a transaction (its claim holds the queue's lease row, Quartz's
        // holds QRTZ_LOCKS) would keep those locks until the server drops the silent connection: 8 hours
        // by default. One minute instead; the pool pings idle connections every 30 s so they live on.
        if (!db.url().contains("sessionVariables")) driver.setProperty("sessionVariables", "innodb_lock_wait_timeout=20,wait_timeout=60");
        PatientDataSource connections = new PatientDataSource(new DriverDataSource(db.url(), null, driver, db.user(), db.password()));
        hc.setDataSource(connections);
        hc.setMaximumPoolSize(db.poolSize());
        hc.setMinimumIdle(Math.min(2, db.poolSize()));
        // READ COMMITTED takes fewer gap locks than MariaDB's REPEATABLE READ default: fewer deadlocks between claims.
        hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        // Every use commits explicitly (Quarry's Transactions, Quartz's JobStoreTX): starting with
        // auto-commit off saves two round trips per transaction that toggling would cost.
        hc.setAutoCommit(false);
        // Fail a checkout quickly when the database is gone, so drains log and back off instead of hanging.
        hc.setConnectionTimeout(5_000);
        hc.setValidationTimeout(3_000);
        hc.setInitializationFailTimeout(1);
        hc.setKeepaliveTime(30_000);
        PoolHolder holder = new PoolHolder();
        hc.setExceptionOverride(evictOnBrokenConnection(holder));
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hc);
        } catch (HikariPool.PoolInitializationException e) {
            throw new QuarryException("cannot connect to the database at " + db.safeUrl() + " as " + db.user() + ": " + dev.quarry.internal.queue.Transactions.rootCause(e), e);
        }
        holder.pool = pool;
        // Only now: a node that cannot connect at start says so at once instead of trying for a minute.
        connections.beginRetrying(pool::isClosed);
        return pool;
    }

    /** The pool, once built: the exception override is made before it. */
    private static final class PoolHolder {
        volatile HikariDataSource pool;
        final AtomicLong lastEvictNanos = new AtomicLong(System.nanoTime() - EVICT_AT_MOST_EVERY_NANOS);
    }

    /**
     * When one connection breaks (SQLState 08...: the server restarted or the network dropped), the
     * pool's idle ones most likely broke with it. Hikari evicts a broken connection only when it fails
     * in a caller's hands, or when it validates one on borrow, which it skips for a connection used in
     * the last 500 ms ({@code com.zaxxer.hikari.aliveBypassWindowMs}): after a restart each of those
     * would cost some caller a failure and a drain a backoff, seconds later. So the first broken
     * connection evicts every idle one, and the next borrowers get fresh connections. Validating on
     * every borrow instead (a bypass window of 0) would add a round trip to every transaction.
     */
    static SQLExceptionOverride evictOnBrokenConnection(PoolHolder holder) {
        return new SQLExceptionOverride() {
            @java.lang.Override
            public Override adjudicate(SQLException e) {
                String state = e.getSQLState();
                HikariDataSource pool = holder.pool;
                if (pool != null && state != null && state.startsWith("08")) {
                    long last = holder.lastEvictNanos.get();
                    long now = System.nanoTime();
                    if (now - last >= EVICT_AT_MOST_EVERY_NANOS && holder.lastEvictNanos.compareAndSet(last, now)) {
                        log.warn("a database connection broke ({}, SQLState {}); evicting every idle connection of the pool", e.getMessage(), state);
                        pool.getHikariPoolMXBean().softEvictConnections();
                    }
                }
                // And Hikari's own rule for the connection that failed.
                return Override.CONTINUE_EVICT;
            }
        };
    }

    /**
     * The driver's connections, made again at once when the database returns. While it is away,
     * Hikari's connection maker sleeps between failed attempts, doubling the pause up to 5 s; a
     * node whose database restarted would wait up to that long for its first connection, on top of
     * the drain's own backoff (measured before this: 4.5 s from the server's return to the first job,
     * after a 6 s outage). So once the pool runs, a connect the server refuses or cannot answer is
     * tried again here every {@link #RECONNECT_EVERY}, for up to {@link #RECONNECT_FOR}: Hikari's
     * maker waits in this loop instead, and gets its connection within 200 ms of the return. Other
     * failures (a refused password, a missing database) are thrown at once.
     */
    static final class PatientDataSource extends DelegatingDataSource {
        private volatile BooleanSupplier closed;

        PatientDataSource(DataSource driver) {
            super(driver);
        }

        /** From now on a failed connect is retried, until {@code closed} says the pool is closing. */
        void beginRetrying(BooleanSupplier closed) {
            this.closed = closed;
        }

        @Override
        public Connection getConnection() throws SQLException {
            long until = System.nanoTime() + RECONNECT_FOR.toNanos();
            while (true) {
                try {
                    return target.getConnection();
                } catch (SQLException e) {
                    BooleanSupplier c = closed;
                    if (c == null || !unreachable(e) || c.getAsBoolean() || System.nanoTime() - until > 0) throw e;
                    try {
                        Thread.sleep(RECONNECT_EVERY.toMillis());
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }

        /** Refused, reset, timed out, or the server going down or not yet up: worth trying again soon. */
        private static boolean unreachable(SQLException e) {
            String state = e.getSQLState();
            return state != null && state.startsWith("08");
        }
    }
}
