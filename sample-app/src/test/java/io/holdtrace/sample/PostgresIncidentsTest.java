package io.holdtrace.sample;

import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.test.context.ActiveProfiles;

@ActiveProfiles("postgres")
@EnabledIf(value = "postgresListening", disabledReason = "no PostgreSQL server on 127.0.0.1:5432")
class PostgresIncidentsTest extends ServerDatabaseTestSupport {

    static boolean postgresListening() {
        return listening(5432);
    }

    @Override
    String expectedProduct() {
        return "PostgreSQL";
    }
}
