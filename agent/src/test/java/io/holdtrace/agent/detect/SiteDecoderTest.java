package io.holdtrace.agent.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.holdtrace.agent.config.Config;
import io.holdtrace.bootstrap.CaptureBudget;
import org.junit.jupiter.api.Test;

class SiteDecoderTest {

    private final SiteDecoder decoder = new SiteDecoder(Config.DEFAULT_FRAMEWORK_PACKAGES, 8, 10, new CaptureBudget(Long.MAX_VALUE));

    private static StackTraceElement frame(String cls, String method, int line) {
        return new StackTraceElement(cls, method, cls.substring(cls.lastIndexOf('.') + 1).replaceAll("\\$.*", "") + ".java", line);
    }

    @Test
    void theSiteIsTheFirstApplicationFrameBelowPoolsFrameworksAndProxies() {
        StackTraceElement[] stack = {
            frame("io.holdtrace.bootstrap.HoldTracker", "acquired", 1),
            frame("io.holdtrace.bootstrap.Holds", "acquired", 2),
            frame("com.zaxxer.hikari.pool.HikariPool", "getConnection", 3),
            frame("org.springframework.jdbc.datasource.DataSourceUtils", "doGetConnection", 4),
            frame("com.acme.OrderService$$SpringCGLIB$$0", "place", -1),
            frame("jdk.proxy2.$Proxy12", "get", -1),
            frame("com.acme.OrderController", "post", 42),
            frame("org.springframework.web.servlet.FrameworkServlet", "service", 5),
        };
        SiteDecoder.Decoded d = decoder.decode(stack);
        assertEquals("com.acme.OrderController.post(OrderController.java:42)", d.site);
        assertFalse(d.stack[0].startsWith("io.holdtrace.bootstrap"), "the agent's own frames are never shown");
        assertTrue(java.util.Arrays.asList(d.stack).contains(d.site));
    }

    @Test
    void aPrefixCoversPackagesAndNestedClassesOnly() {
        assertTrue(SiteDecoder.within("com.acme.db.Repo", "com.acme.db"));
        assertTrue(SiteDecoder.within("com.acme.db", "com.acme.db"));
        assertTrue(SiteDecoder.within("com.acme.Db$Inner", "com.acme.Db"));
        assertFalse(SiteDecoder.within("com.acme.dbutil.X", "com.acme.db"));
    }

    @Test
    void withNoApplicationFrameTheSiteSaysSo() {
        SiteDecoder.Decoded d = decoder.decode(new StackTraceElement[] {frame("com.zaxxer.hikari.pool.HikariPool", "getConnection", 3)});
        assertTrue(d.site.startsWith(SiteDecoder.NO_APPLICATION_FRAME), d.site);
    }

    @Test
    void theStackIsBoundedByTheConfiguredDepth() {
        StackTraceElement[] deep = new StackTraceElement[100];
        for (int i = 0; i < deep.length; i++) {
            deep[i] = frame("com.acme.Deep", "m" + i, i);
        }
        assertEquals(8, decoder.decode(deep).stack.length);
    }

    @Test
    void framesPrintWithoutLoaderOrModulePrefixes() {
        StackTraceElement e = new StackTraceElement("app", null, null, "com.acme.X", "run", "X.java", 7);
        assertEquals("com.acme.X.run(X.java:7)", SiteDecoder.format(e));
    }
}
