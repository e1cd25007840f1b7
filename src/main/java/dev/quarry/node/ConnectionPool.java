package dev.quarry.node;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.quarry.QuarryException;
import dev.quarry.config.DatabaseConfig;

/** Builds the node's one HikariCP pool, which Quarry and Quartz share. */
final class ConnectionPool {
    private ConnectionPool() {
    }

    static HikariDataSource open(DatabaseConfig db) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("quarry");
        hc.setJdbcUrl(db.url());
        hc.setUsername(db.user());
        hc.setPassword(db.password());
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
        // A partition that drops packets would leave a statement waiting for ever (the driver's
        // default); no statement of Quarry's or Quartz's takes a minute, and lock waits end sooner.
        if (!db.url().contains("socketTimeout")) hc.addDataSourceProperty("socketTimeout", "60000");
        // A node cut off in the middle of a transaction (its claim holds the queue's lease row, Quartz's
        // holds QRTZ_LOCKS) would keep those locks until the server drops the silent connection: 8 hours
        // by default. One minute instead; the pool pings idle connections every 30 s so they live on.
        if (!db.url().contains("sessionVariables")) {
            hc.addDataSourceProperty("sessionVariables", "innodb_lock_wait_timeout=20,wait_timeout=60");
        }
        hc.setKeepaliveTime(30_000);
        try {
            return new HikariDataSource(hc);
        } catch (HikariPool.PoolInitializationException e) {
            throw new QuarryException("cannot connect to the database at " + db.safeUrl() + " as " + db.user() + ": " + dev.quarry.queue.Transactions.rootCause(e), e);
        }
    }

}
