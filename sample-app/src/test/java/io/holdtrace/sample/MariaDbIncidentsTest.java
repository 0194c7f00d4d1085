package io.holdtrace.sample;

import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.test.context.ActiveProfiles;

@ActiveProfiles("mariadb")
@EnabledIf(value = "mariadbListening", disabledReason = "no MariaDB server on 127.0.0.1:3306")
class MariaDbIncidentsTest extends ServerDatabaseTestSupport {

    static boolean mariadbListening() {
        return listening(3306);
    }

    @Override
    String expectedProduct() {
        return "MariaDB";
    }
}
