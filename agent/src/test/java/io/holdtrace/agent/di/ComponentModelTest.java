package io.holdtrace.agent.di;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ComponentModelTest {

    @Test
    void scopesRankByHowLongTheirObjectsLive() {
        assertEquals(3, ComponentModel.rank("singleton"));
        assertEquals(3, ComponentModel.rank("eager-singleton"));
        assertEquals(3, ComponentModel.rank("application"));
        assertEquals(2, ComponentModel.rank("session"));
        assertEquals(2, ComponentModel.rank("ServletScopes.SESSION"));
        assertEquals(1, ComponentModel.rank("request"));
        assertEquals(1, ComponentModel.rank("call"), "an unknown custom scope is shorter than a singleton, longer than per-resolve");
        assertEquals(0, ComponentModel.rank("prototype"));
        assertEquals(0, ComponentModel.rank("unscoped"));
        assertTrue(ComponentModel.rank(null) < 2);
    }

    @Test
    void guiceScopingsReadAsScopeNames() {
        assertEquals("eager-singleton", ComponentModel.guiceScope("eager singleton"));
        assertEquals("singleton", ComponentModel.guiceScope("Scopes.SINGLETON"));
        assertEquals("singleton", ComponentModel.guiceScope("com.google.inject.Singleton"));
        assertEquals("singleton", ComponentModel.guiceScope("jakarta.inject.Singleton"));
        assertEquals("unscoped", ComponentModel.guiceScope("Scopes.NO_SCOPE"));
        assertEquals("ServletScopes.REQUEST", ComponentModel.guiceScope("ServletScopes.REQUEST"));
    }

    @Test
    void generatedSubclassesAreTheirUserClass() {
        assertEquals("com.acme.Foo", ComponentModel.userClass("com.acme.Foo$$SpringCGLIB$$0"));
        assertEquals("com.acme.Foo", ComponentModel.userClass("com.acme.Foo$$EnhancerByGuice$$123"));
        assertEquals("com.acme.Foo$Inner", ComponentModel.userClass("com.acme.Foo$Inner"));
    }
}
