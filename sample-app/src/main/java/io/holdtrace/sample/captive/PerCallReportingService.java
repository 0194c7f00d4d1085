package io.holdtrace.sample.captive;

import io.holdtrace.sample.shop.SalesReport;
import java.sql.SQLException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;

/**
 * The healthy neighbour of {@link ReportingService}: the same prototype, resolved through an
 * ObjectProvider on every call and closed when the call ends, so its connection is held only for
 * the query.
 */
@Service
public class PerCallReportingService {

    private final ObjectProvider<DataConnection> connections;

    public PerCallReportingService(ObjectProvider<DataConnection> connections) {
        this.connections = connections;
    }

    public SalesReport report() throws SQLException {
        try (DataConnection connection = connections.getObject()) {
            return connection.salesReport();
        }
    }
}
