package io.holdtrace.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The same incidents against a real database server: the schema and the SQL must work there too,
 * and the drivers' connections must behave as H2's do. A subclass is skipped only when its server
 * does not accept TCP connections; any other failure fails the test.
 */
@DirtiesContext
abstract class ServerDatabaseTestSupport extends SampleAppTestSupport {

    abstract String expectedProduct();

    static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void reproducesTheIncidents() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            assertThat(connection.getMetaData().getDatabaseProductName()).isEqualTo(expectedProduct());
        }
        assertThat(active()).as("incident A: the connection captured at start-up").isEqualTo(1);

        assertThat(get("/a/report").status()).isEqualTo(200);
        assertThat(active()).isEqualTo(1);

        assertThat(activeDuringAuthCall("/b/checkout", 200)).as("incident B: held during the auth call").isEqualTo(2);

        Answer legacy = get("/c/legacy");
        assertThat(legacy.status()).isEqualTo(502);
        assertThat(legacy.body()).contains("404");

        for (String path : List.of("/healthy/orders", "/healthy/report")) {
            assertThat(get(path).status()).as(path).isEqualTo(200);
        }
        assertThat(activeDuringAuthCall("/healthy/pay", 200)).as("healthy: nothing held but A's").isEqualTo(1);
        assertThat(active()).isEqualTo(1);

        List<Integer> exports = List.of(get("/leak").status(), get("/leak").status(), get("/leak").status());
        assertThat(exports).containsExactly(200, 200, 500);
        assertThat(active()).as("A's connection and the leaked one").isEqualTo(2);
    }
}
