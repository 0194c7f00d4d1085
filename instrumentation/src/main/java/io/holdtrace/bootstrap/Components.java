package io.holdtrace.bootstrap;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;

/**
 * What woven DI-container code calls (Spring's bean factory and transaction interceptor, Guice's
 * provisioning): registrations and dependencies go straight to the agent's model; the
 * components being created, and the {@code @Transactional} method running, are kept per thread
 * so that a checkout can note them with two reference reads. Every method is cheap when the
 * agent is off and never throws into the application.
 */
public final class Components {

    /** The agent's side: reads what the container registered, off the hot path. */
    public interface Sink {
        /** A container registered a component (a Spring bean definition). */
        void registered(int container, Object registry, String name, Object definition);

        /** {@code dependent} was given {@code dependency} (Spring's registerDependentBean). */
        void dependency(Object registry, String dependency, String dependent);

        /** A creation ended with {@code instance}. */
        void created(Creation c, Object instance);

        /** A container finished starting: a Spring context's singletons exist, a Guice injector is built. */
        void started(int container, Object containerObject);
    }

    /** The {@code @Transactional} method a thread is in: the method and the target's class. */
    public static final class Tx {
        public final Method method;
        public final Class<?> targetClass;

        Tx(Method method, Class<?> targetClass) {
            this.method = method;
            this.targetClass = targetClass;
        }
    }

    /** Returned by {@link #txEnter} when the agent is off: {@link #txExit} then does nothing. */
    private static final Object OFF = new Object();

    private static volatile Sink sink;

    private Components() {
    }

    public static void install(Sink s) {
        sink = s;
    }

    private static boolean off() {
        return sink == null || Holds.tracker() == null;
    }

    /** A container registered a component; the agent reads its definition with getters only. */
    public static void registered(int container, Object registry, String name, Object definition) {
        Sink s = sink;
        if (s == null || name == null) {
            return;
        }
        try {
            s.registered(container, registry, name, definition);
        } catch (Throwable e) {
            Faults.report("component registration", e);
        }
    }

    public static void dependency(Object registry, String dependency, String dependent) {
        Sink s = sink;
        if (s == null || dependency == null || dependent == null) {
            return;
        }
        try {
            s.dependency(registry, dependency, dependent);
        } catch (Throwable e) {
            Faults.report("component dependency", e);
        }
    }

    public static void started(int container, Object containerObject) {
        Sink s = sink;
        if (s == null || containerObject == null) {
            return;
        }
        try {
            s.started(container, containerObject);
        } catch (Throwable e) {
            Faults.report("container start", e);
        }
    }

    /**
     * A container starts creating a component on this thread. Returns the creation, to hand to
     * {@link #exit}; null when the agent is off.
     */
    public static Creation enter(int container, Object registry, Object key, String scope) {
        if (off() || key == null) {
            return null;
        }
        try {
            ThreadRef r = ThreadRef.current();
            Creation c = new Creation(r.creating, container, registry == null ? 0 : System.identityHashCode(registry), key, scope);
            r.creating = c;
            return c;
        } catch (Throwable e) {
            Faults.report("component creation", e);
            return null;
        }
    }

    /**
     * {@code m} with the language's access check off, where the module system allows it: a public
     * getter called through reflection is otherwise checked at every call, and the check's one-entry
     * cache misses whenever the target class changes (each bean definition class, in turn).
     */
    static Method unchecked(Method m) {
        try {
            m.setAccessible(true);
        } catch (RuntimeException e) {
            // a named module that does not open the package: public access, checked per call
        }
        return m;
    }

    /** A getter's type as {@link #springCreating} invokes it. */
    private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);

    /**
     * Each bean definition class's {@code getScope()}, looked up once per class, as a method
     * handle (on JDK 17 a reflective call runs JNI calls, then generates a class per method, on
     * the application's thread); null if it has none that can be called.
     */
    private static final ClassValue<MethodHandle> SCOPE_GETTER = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
            try {
                return MethodHandles.publicLookup().unreflect(unchecked(type.getMethod("getScope"))).asType(GETTER);
            } catch (NoSuchMethodException | IllegalAccessException e) {
                return null;
            }
        }
    };

    /**
     * Spring's {@code createBean(name, mbd, args)} begins: {@link #enter} with the merged bean
     * definition's scope, read by its public {@code getScope()} (the bootstrap part cannot name
     * Spring's classes).
     */
    public static Creation springCreating(Object factory, String name, Object mbd) {
        if (off() || name == null) {
            return null;
        }
        String scope = null;
        if (mbd != null) {
            try {
                MethodHandle getter = SCOPE_GETTER.get(mbd.getClass());
                Object s = getter == null ? null : (Object) getter.invokeExact(mbd);
                scope = s instanceof String ? (String) s : null;
            } catch (Throwable e) {
                Faults.report("bean scope", e);
            }
        }
        return enter(Creation.SPRING, factory, name, scope);
    }

    /** {@code getKey()} of each class that is a Guice {@code ProviderMethod}; null for others. */
    private static final ClassValue<Method> PROVIDER_KEY = new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
            for (Class<?> k = type; k != null; k = k.getSuperclass()) {
                if (k.getName().equals("com.google.inject.internal.ProviderMethod")) {
                    try {
                        return unchecked(k.getMethod("getKey"));
                    } catch (NoSuchMethodException e) {
                        return null;
                    }
                }
            }
            return null;
        }
    };

    /**
     * Guice's {@code CyclicFactory.get} begins: if the factory is a {@code @Provides} method
     * ({@code ProviderMethod}), {@link #enter} with its key; else null.
     */
    public static Creation guiceProviding(Object factory) {
        if (off() || factory == null) {
            return null;
        }
        try {
            Method getKey = PROVIDER_KEY.get(factory.getClass());
            return getKey == null ? null : enter(Creation.GUICE, null, getKey.invoke(factory), null);
        } catch (Throwable e) {
            Faults.report("component creation", e);
            return null;
        }
    }

    /** The creation {@link #enter} returned has ended, with {@code instance} or by {@code thrown}. */
    public static void exit(Creation c, Object instance, Throwable thrown) {
        if (c == null) {
            return;
        }
        try {
            ThreadRef.current().creating = c.parent;
            c.finish(thrown == null);
            Sink s = sink;
            if (s != null && thrown == null && instance != null) {
                s.created(c, instance);
            }
        } catch (Throwable e) {
            Faults.report("component creation", e);
        }
    }

    /** Entry to a {@code @Transactional} method's interceptor. Returns what {@link #txExit} restores. */
    public static Object txEnter(Method method, Class<?> targetClass) {
        if (off() || method == null) {
            return OFF;
        }
        try {
            ThreadRef r = ThreadRef.current();
            Object previous = r.transactional;
            r.transactional = new Tx(method, targetClass);
            return previous;
        } catch (Throwable e) {
            Faults.report("transaction", e);
            return OFF;
        }
    }

    public static void txExit(Object previous) {
        if (previous != OFF) {
            try {
                ThreadRef.current().transactional = previous;
            } catch (Throwable e) {
                Faults.report("transaction", e);
            }
        }
    }
}
