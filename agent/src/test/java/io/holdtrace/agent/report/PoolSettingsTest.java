package io.holdtrace.agent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class PoolSettingsTest {

    @Test
    void urlsLoseCredentialsAndParameters() {
        assertEquals("jdbc:postgresql://db:5432/app", PoolSettings.redactUrl("jdbc:postgresql://db:5432/app?user=u&password=secret"));
        assertEquals("jdbc:mariadb://db/app", PoolSettings.redactUrl("jdbc:mariadb://root:secret@db/app"));
        assertEquals("jdbc:h2:mem:test", PoolSettings.redactUrl("jdbc:h2:mem:test;PASSWORD=secret"));
        assertEquals("jdbc:sqlserver://db:1433", PoolSettings.redactUrl("jdbc:sqlserver://db:1433;password=secret"));
    }

    /** A pool's class as the agent meets it: its getters public. */
    public static class Pool {
        int calls;

        public int getThreadsAwaitingConnection() {
            return ++calls;
        }

        public void close() {
            throw new IllegalStateException("not a getter");
        }
    }

    @Test
    void eachCallReadsThePoolAgain() {
        Pool pool = new Pool();
        assertEquals(1, PoolSettings.call(pool, "getThreadsAwaitingConnection"));
        assertEquals(2, PoolSettings.call(pool, "getThreadsAwaitingConnection"), "each call reads the pool again");
        assertEquals(1, PoolGauges.pending("hikari", new Pool()), "another instance, the same getter");
    }

    @Test
    void aMissingGetterOrOneThatThrowsReadsAsNothing() {
        Pool pool = new Pool();
        assertNull(PoolSettings.call(pool, "getIdleConnections"));
        assertNull(PoolSettings.call(pool, "getIdleConnections"), "remembered as absent");
        assertNull(PoolSettings.call(pool, "close"));
        assertNull(PoolSettings.call(null, "getThreadsAwaitingConnection"));
        assertEquals(-1, PoolGauges.pending("dbcp2", pool), "only HikariCP tells its waiting threads");
    }
}
