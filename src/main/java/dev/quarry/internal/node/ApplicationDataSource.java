package dev.quarry.internal.node;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The data source an embedding application gives its node, as Quarry needs its connections:
 * READ COMMITTED (fewer gap locks between claims than MariaDB's REPEATABLE READ default) and
 * auto-commit off. Each connection gets its isolation and auto-commit back when Quarry closes it,
 * so the application's own pool hands it on as it came, whatever the pool's reset rules.
 */
final class ApplicationDataSource extends DelegatingDataSource {
    ApplicationDataSource(DataSource app) {
        super(app);
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection c = target.getConnection();
        int isolation;
        boolean autoCommit;
        try {
            isolation = c.getTransactionIsolation();
            autoCommit = c.getAutoCommit();
            if (isolation != Connection.TRANSACTION_READ_COMMITTED) c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            if (autoCommit) c.setAutoCommit(false);
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class}, (proxy, method, args) -> {
            if (method.getName().equals("close") && method.getParameterCount() == 0) {
                try {
                    if (!c.isClosed()) {
                        // Whatever Quarry left open is not the application's: roll it back before auto-commit would commit it.
                        if (!c.getAutoCommit()) c.rollback();
                        if (c.getAutoCommit() != autoCommit) c.setAutoCommit(autoCommit);
                        if (c.getTransactionIsolation() != isolation) c.setTransactionIsolation(isolation);
                    }
                } finally {
                    c.close();
                }
                return null;
            }
            if (method.getName().equals("unwrap") && args != null && args[0] instanceof Class<?> k && k.isInstance(proxy)) return proxy;
            try {
                return method.invoke(c, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
