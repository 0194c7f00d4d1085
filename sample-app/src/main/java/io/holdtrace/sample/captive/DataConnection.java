package io.holdtrace.sample.captive;

import io.holdtrace.sample.shop.SalesReport;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.context.annotation.Scope;
import org.springframework.stereotype.Component;

/**
 * A per-resolve (prototype) component that opens its database connection when it is built and
 * keeps it until {@link #close()}. Used per call, as {@link PerCallReportingService} does, that
 * is fine; captured by a singleton, as {@link ReportingService} is, it is incident A.
 */
@Component
@Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
public class DataConnection implements AutoCloseable {

    private final Connection connection;

    public DataConnection(DataSource dataSource) throws SQLException {
        this.connection = dataSource.getConnection();
    }

    public SalesReport salesReport() throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT COUNT(*), COALESCE(SUM(amount_cents), 0) FROM sample_order");
             ResultSet rows = statement.executeQuery()) {
            rows.next();
            return new SalesReport(rows.getLong(1), rows.getLong(2));
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
