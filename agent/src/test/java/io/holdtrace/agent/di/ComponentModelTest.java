package io.holdtrace.agent.di;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Key;
import com.google.inject.Provider;
import com.google.inject.internal.Scoping;
import io.holdtrace.agent.config.Config;
import io.holdtrace.agent.detect.Attribution;
import io.holdtrace.agent.detect.SiteDecoder;
import io.holdtrace.bootstrap.CaptureBudget;
import io.holdtrace.bootstrap.Component;
import io.holdtrace.bootstrap.Creation;
import io.holdtrace.bootstrap.TestCreations;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.GenericBeanDefinition;

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

    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @com.google.inject.ScopeAnnotation
    @interface BatchScoped {
    }

    static final class BatchScope implements com.google.inject.Scope {
        @Override
        public <T> Provider<T> scope(Key<T> key, Provider<T> unscoped) {
            return unscoped;
        }
    }

    @Test
    void aCustomGuiceScopeIsNamedByItsAnnotationAndRanksBelowSingleton() {
        BatchScope batch = new BatchScope();
        Map<Object, String> bound = Map.of(batch, BatchScoped.class.getName());
        assertEquals(BatchScoped.class.getName(), ComponentModel.guiceScope(Scoping.forInstance(batch), bound),
                "a built binding's scoping is the instance; bindScope named it");
        assertEquals(BatchScoped.class.getName(), ComponentModel.guiceScope(Scoping.forAnnotation(BatchScoped.class), Map.of()));
        assertEquals("unscoped", ComponentModel.guiceScope(Scoping.UNSCOPED, bound));
        assertEquals("singleton", ComponentModel.guiceScope(Scoping.SINGLETON_INSTANCE, bound));
        assertEquals("eager-singleton", ComponentModel.guiceScope(Scoping.EAGER_SINGLETON, bound));
        assertEquals(1, ComponentModel.rank(BatchScoped.class.getName()));
        assertEquals(2, ComponentModel.rank("com.google.inject.servlet.SessionScoped"));
        assertEquals(1, ComponentModel.rank("com.google.inject.servlet.RequestScoped"));
    }

    @Test
    void xmlResourcesAreToldFromClassFiles() {
        assertTrue(ComponentModel.isXml("class path resource [captive-context.xml]"));
        assertTrue(ComponentModel.isXml("file [/etc/app/beans.XML]"));
        assertFalse(ComponentModel.isXml("file [/app/classes/com/acme/AppConfig.class]"));
    }

    @Test
    void aBeanMadeFreeInOneSpringContainerStaysUnmadeInAnother() {
        ComponentModel m = new ComponentModel(new SiteDecoder(Config.DEFAULT_FRAMEWORK_PACKAGES, 8, 10, new CaptureBudget(Long.MAX_VALUE)));
        DefaultListableBeanFactory first = new DefaultListableBeanFactory();
        DefaultListableBeanFactory second = new DefaultListableBeanFactory();
        for (DefaultListableBeanFactory f : java.util.List.of(first, second)) {
            m.registered(Creation.SPRING, f, "perCall", definition("com.acme.PerCall", "prototype"));
            m.registered(Creation.SPRING, f, "reporting", definition("com.acme.Reporting", "singleton"));
            m.dependency(f, "perCall", "reporting");
        }
        Component inFirst = componentIn(m, "spring-1", "perCall");
        Component inSecond = componentIn(m, "spring-2", "perCall");
        assertNotNull(m.capturedUserOf(inFirst, true, false), "given to a singleton, never made per call yet");

        // made per call (getBean, outside any creation) in the first container, again and again:
        // after the first, the agent has nothing left to learn from it
        for (int i = 0; i < 3; i++) {
            m.created(TestCreations.spring(first, "perCall", "prototype"), new Object());
        }
        assertNull(m.capturedUserOf(inFirst, true, false), "made per call: one thread's long hold proves nothing");
        assertNotNull(m.capturedUserOf(inFirst, false, true), "a connection several threads used still does");
        assertNotNull(m.capturedUserOf(inSecond, true, false), "the other container's bean of that name was not made so");

        m.created(TestCreations.spring(second, "perCall", "prototype"), new Object());
        assertNull(m.capturedUserOf(inSecond, true, false), "now it was");
        m.created(TestCreations.spring(new Object(), "perCall", "prototype"), new Object()); // a factory it never heard of
    }

    private static Component componentIn(ComponentModel m, String name) {
        return componentIn(m, null, name);
    }

    /** The registration of {@code name} in {@code container} (its id, such as spring-1), or in any if null. */
    private static Component componentIn(ComponentModel m, String container, String name) {
        for (Object o : (java.util.List<?>) m.toReport().get("registrations")) {
            Map<?, ?> r = (Map<?, ?>) o;
            if (r.get("name").equals(name) && (container == null || container.equals(r.get("container")))) {
                return new Component((String) r.get("container"), name, (String) r.get("class"), (String) r.get("scope"),
                        (String) r.get("declaredAt"));
            }
        }
        throw new AssertionError(name);
    }

    /** Each getter is looked up once per interface and shared: every class of definition still reads as itself. */
    @Test
    void definitionsOfDifferentClassesEachReadTheirOwnValues() {
        ComponentModel m = new ComponentModel(new SiteDecoder(Config.DEFAULT_FRAMEWORK_PACKAGES, 8, 10, new CaptureBudget(Long.MAX_VALUE)));
        DefaultListableBeanFactory factory = new DefaultListableBeanFactory();
        m.registered(Creation.SPRING, factory, "generic", definition("com.acme.Generic", "prototype"));
        org.springframework.beans.factory.support.RootBeanDefinition root =
                new org.springframework.beans.factory.support.RootBeanDefinition();
        root.setBeanClassName("com.acme.Root");
        root.setScope("request");
        root.setResourceDescription("class path resource [beans.xml]");
        m.registered(Creation.SPRING, factory, "root", root);
        org.springframework.beans.factory.support.ChildBeanDefinition child =
                new org.springframework.beans.factory.support.ChildBeanDefinition("root");
        child.setBeanClassName("com.acme.Child");
        child.setFactoryBeanName("maker");
        child.setFactoryMethodName("make");
        m.registered(Creation.SPRING, factory, "child", child);
        m.registered(Creation.SPRING, factory, "generic2", definition("com.acme.Generic2", null));

        Component generic = componentIn(m, "generic");
        assertEquals("com.acme.Generic", generic.className);
        assertEquals("prototype", generic.scope);
        Component r = componentIn(m, "root");
        assertEquals("com.acme.Root", r.className);
        assertEquals("request", r.scope);
        assertEquals("bean 'root' in class path resource [beans.xml]", r.declaredAt);
        Component c = componentIn(m, "child");
        assertEquals("com.acme.Child", c.className);
        assertEquals("singleton", c.scope, "no scope of its own: a singleton");
        assertEquals("@Bean maker.make()", c.declaredAt);
        Component g2 = componentIn(m, "generic2");
        assertEquals("com.acme.Generic2", g2.className, "the second definition of a class reads its own values");
        assertEquals("singleton", g2.scope);
    }

    private static GenericBeanDefinition definition(String cls, String scope) {
        GenericBeanDefinition d = new GenericBeanDefinition();
        d.setBeanClassName(cls);
        d.setScope(scope);
        return d;
    }

    @Test
    void aShortLivedComponentsConnectionTakenOnFirstUseIsCaptiveOnlyIfALongerLivedOneWasGivenItAndItOutlivedItsUse() {
        ComponentModel m = new ComponentModel(new SiteDecoder(Config.DEFAULT_FRAMEWORK_PACKAGES, 8, 10, new CaptureBudget(Long.MAX_VALUE)));
        DefaultListableBeanFactory factory = new DefaultListableBeanFactory();
        m.registered(Creation.SPRING, factory, "connection", definition("com.acme.LazyConnection", "prototype"));
        m.registered(Creation.SPRING, factory, "reporting", definition("com.acme.Reporting", "singleton"));
        m.registered(Creation.SPRING, factory, "perCall", definition("com.acme.PerCall", "prototype"));
        m.registered(Creation.SPRING, factory, "unused", definition("com.acme.Unused", "prototype"));
        m.dependency(factory, "connection", "reporting");
        m.dependency(factory, "unused", "perCall");
        Component connection = componentIn(m, "connection");

        assertNull(m.capturedUserOf(connection, false, false), "closed promptly on its one thread: nothing to judge");
        Attribution.Captive c = m.capturedUserOf(connection, true, false);
        assertNotNull(c, "open past the threshold");
        assertEquals("reporting", c.longLived.name);
        assertEquals("connection", c.captured.name);
        assertTrue(c.onFirstUse);
        assertNotNull(m.capturedUserOf(connection, false, true), "used by a second thread");
        assertNull(m.capturedUserOf(componentIn(m, "unused"), true, true), "given only to a prototype");
        assertNull(m.capturedUserOf(componentIn(m, "reporting"), true, true), "a singleton's own connection is no captive");
    }
}
