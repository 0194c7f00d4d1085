package io.holdtrace.bootstrap;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Public no-argument getters of application objects, called by reflection: the bootstrap part
 * cannot name an application's classes (an HTTP client's request, a pool's name), so hooks pass
 * the objects and this reads them. Each class's methods are looked up once (kept with the class,
 * so nothing here holds a class loader), through a public type that declares them, since the
 * object's own class may not be public. Only on rare paths: an outbound call made while holding
 * a connection, a pool's name, the agent's reads of a pool's settings and gauges.
 */
public final class Getters {

    private static final ClassValue<ConcurrentHashMap<String, Method>> METHODS = new ClassValue<>() {
        @Override
        protected ConcurrentHashMap<String, Method> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    };
    /** Stands for "no such public getter" in the per-class tables. */
    private static final Method NONE;

    static {
        try {
            NONE = Getters.class.getDeclaredMethod("none");
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Getters() {
    }

    private static void none() {
    }

    /** {@code target.name()}, or null if the target is null or has no such public getter. Throws what the getter throws. */
    public static Object get(Object target, String name) throws ReflectiveOperationException {
        if (target == null) {
            return null;
        }
        ConcurrentHashMap<String, Method> methods = METHODS.get(target.getClass());
        Method m = methods.get(name);
        if (m == null) {
            m = find(target.getClass(), name);
            methods.put(name, m == null ? NONE : m);
        }
        return m == null || m == NONE ? null : m.invoke(target);
    }

    /** {@link #get} as a String, or null. */
    static String string(Object target, String name) throws ReflectiveOperationException {
        Object v = get(target, name);
        return v instanceof String ? (String) v : null;
    }

    /** {@link #get} as an int, or -1. */
    static int integer(Object target, String name) throws ReflectiveOperationException {
        Object v = get(target, name);
        return v instanceof Integer ? (Integer) v : -1;
    }

    /** The public method {@code name()} of {@code type}, as a public class or interface of its hierarchy declares it. */
    private static Method find(Class<?> type, String name) {
        if (type == null) {
            return null;
        }
        Method m = declared(type, name);
        for (int i = 0; m == null && i < type.getInterfaces().length; i++) {
            m = find(type.getInterfaces()[i], name);
        }
        return m != null ? m : find(type.getSuperclass(), name);
    }

    private static Method declared(Class<?> k, String name) {
        if (!Modifier.isPublic(k.getModifiers())) {
            return null;
        }
        try {
            Method m = k.getDeclaredMethod(name);
            return Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()) ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
