package dev.quarry.internal.node;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.quartz.utils.ConnectionProvider;

/**
 * Hands Quarry's pool to Quartz, registered with Quartz's DBConnectionManager under the name the
 * job store uses, so the node holds one pool rather than two.
 */
final class SharedPoolProvider implements ConnectionProvider {
    static final String NAME = "quarry";

    private final DataSource pool;

    SharedPoolProvider(DataSource pool) {
        this.pool = pool;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return pool.getConnection();
    }

    @Override
    public void shutdown() {
        // The node closes the pool itself, after Quartz has stopped using it.
    }

    @Override
    public void initialize() {
    }
}
