package io.holdtrace.sample.captive;

import io.holdtrace.sample.shop.SalesReport;
import java.sql.SQLException;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.stereotype.Service;

/**
 * Incident A, the captive dependency: a singleton that depends on the prototype
 * {@link DataConnection}. Spring resolves the prototype once, while it builds this singleton at
 * start-up, so the connection that DataConnection's constructor takes is never given back: every
 * request thread shares it for the life of the process, and if the database drops it nothing
 * ever opens a new one.
 */
@Service
@ConditionalOnBooleanProperty(name = "sample.incidents.a.enabled", matchIfMissing = true)
public class ReportingService {

    private final DataConnection connection;

    public ReportingService(DataConnection connection) {
        this.connection = connection;
    }

    public SalesReport report() throws SQLException {
        return connection.salesReport();
    }
}
