package io.holdtrace.agent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PoolSettingsTest {

    @Test
    void urlsLoseCredentialsAndParameters() {
        assertEquals("jdbc:postgresql://db:5432/app", PoolSettings.redactUrl("jdbc:postgresql://db:5432/app?user=u&password=secret"));
        assertEquals("jdbc:mariadb://db/app", PoolSettings.redactUrl("jdbc:mariadb://root:secret@db/app"));
        assertEquals("jdbc:h2:mem:test", PoolSettings.redactUrl("jdbc:h2:mem:test;PASSWORD=secret"));
        assertEquals("jdbc:sqlserver://db:1433", PoolSettings.redactUrl("jdbc:sqlserver://db:1433;password=secret"));
    }
}
