package io.holdtrace.sample.leak;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.stereotype.Service;

/**
 * The classic leak on an exception path: the export takes a connection straight from the
 * DataSource and closes it only at the end of the happy path, with no try-with-resources. When the
 * export fails half-way (simulated on every {@code fail-every}th call), the connection is never
 * given back, and the pool has one connection fewer for the life of the process.
 *
 * <p>After {@code max-leaked} leaks the simulated failure stops, so that a demo keeps enough
 * connections for the other endpoints; {@code max-leaked=0} lets it drain the pool.
 */
@Service
@ConditionalOnBooleanProperty(name = "sample.incidents.leak.enabled", matchIfMissing = true)
public class OrderExportService {

    private final DataSource dataSource;
    private final int failEvery;
    private final int maxLeaked;
    private final AtomicLong exports = new AtomicLong();
    private final AtomicInteger leaked = new AtomicInteger();

    public OrderExportService(DataSource dataSource,
                              @Value("${sample.incidents.leak.fail-every:3}") int failEvery,
                              @Value("${sample.incidents.leak.max-leaked:3}") int maxLeaked) {
        if (failEvery < 1 || maxLeaked < 0) {
            throw new IllegalArgumentException(
                    "sample.incidents.leak.fail-every must be >= 1 and max-leaked >= 0");
        }
        this.dataSource = dataSource;
        this.failEvery = failEvery;
        this.maxLeaked = maxLeaked;
    }

    public String exportCsv() throws SQLException {
        Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(
                "SELECT id, product_id, quantity, amount_cents, status FROM sample_order"
                        + " ORDER BY created_at DESC LIMIT 100");
        ResultSet rows = statement.executeQuery();
        StringBuilder csv = new StringBuilder("id,product_id,quantity,amount_cents,status\n");
        while (rows.next()) {
            csv.append(rows.getString(1)).append(',').append(rows.getLong(2)).append(',')
                    .append(rows.getInt(3)).append(',').append(rows.getLong(4)).append(',')
                    .append(rows.getString(5)).append('\n');
        }
        if (exportFails()) {
            throw new ExportFailedException("export storage rejected the file (simulated failure)");
        }
        rows.close();
        statement.close();
        connection.close();
        return csv.toString();
    }

    private boolean exportFails() {
        if (exports.incrementAndGet() % failEvery != 0) {
            return false;
        }
        if (maxLeaked == 0) {
            return true;
        }
        return leaked.getAndUpdate(n -> n < maxLeaked ? n + 1 : n) < maxLeaked;
    }
}
