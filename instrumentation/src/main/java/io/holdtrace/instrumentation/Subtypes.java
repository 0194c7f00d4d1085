package io.holdtrace.instrumentation;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Is a class one type or one of its subtypes? Answered from names, remembering the answer for
 * every type it looks at, per class loader: a class being loaded costs a look at its direct
 * supertypes' names (read from its header by {@link ClassHeaders}) and at their answers, known
 * already or worked out once; a supertype not seen yet has its class file's header read once
 * per loader, for its own direct supertypes' names, which every instance shares. (Byte Buddy's
 * {@code hasSuperType} parsed every class of a hierarchy again for each class it matched: most
 * of an early holdtrace's start-up.)
 *
 * <p>A supertype is looked up through the loader, which has mostly loaded it already
 * ({@link #fromClass}); failing that, its class file is read as the loader's resource (not
 * through Byte Buddy's locators, whose classes and boot-loader proxy would be loaded on the
 * application's start for this alone). The loaders are weak keys, held through weak references;
 * each loader's memory of names is emptied when it reaches {@link #MAX_NAMES}. A supertype that
 * cannot be had either way makes no match and is not remembered.
 */
final class Subtypes {

    static final int MAX_NAMES = 65_536;
    private static final int MAX_DEPTH = 64;
    /** Per loader: each type's direct supertypes' names, for every instance. */
    private static final Map<ClassLoader, Supers> SUPERS = new WeakHashMap<>();

    /**
     * The Java platform's own packages. No class or interface of the JDK is a subtype of a type
     * outside them, nor of {@code java.sql.Connection} or {@code java.sql.Driver} (the JDK has no
     * JDBC driver), so where the target is one of those, a JDK supertype answers no without its
     * class file being read: {@code AutoCloseable}, {@code Closeable}, {@code Serializable} and the
     * like are most of the supertypes the subtype weaves meet.
     */
    private static final String[] JDK = {"java.", "javax.", "jdk.", "sun.", "com.sun."};

    private final String target;
    private final boolean jdkNeverMatches;
    private final Map<ClassLoader, Map<String, Boolean>> byLoader = new WeakHashMap<>();

    Subtypes(String target) {
        this.target = target;
        this.jdkNeverMatches = !isJdk(target) || target.equals("java.sql.Connection") || target.equals("java.sql.Driver");
    }

    static boolean isJdk(String name) {
        for (String p : JDK) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Is {@code name}, defined by {@code loader} (not the boot loader) with the direct supertypes
     * {@code direct}, the target or a subtype of it? False if a supertype cannot be read.
     */
    boolean test(String name, String[] direct, ClassLoader loader) {
        Map<String, Boolean> memo;
        synchronized (byLoader) {
            memo = byLoader.get(loader); // no lambdas: this runs on the application's start
            if (memo == null) {
                memo = new ConcurrentHashMap<>();
                byLoader.put(loader, memo);
            }
        }
        if (memo.size() >= MAX_NAMES) {
            memo.clear();
        }
        Boolean known = memo.get(name);
        if (known == null) {
            Boolean found = name.equals(target) ? Boolean.TRUE : any(direct, memo, supers(loader), 1);
            if (found == null) {
                return false; // a supertype could not be read
            }
            memo.put(name, found);
            known = found;
        }
        return known;
    }

    /** The same for a loaded class (one retransformed as the agent starts), by reflection. */
    boolean test(Class<?> c) {
        return c != null && (c.getName().equals(target) || test(c.getSuperclass()) || anyOf(c.getInterfaces()));
    }

    private boolean anyOf(Class<?>[] types) {
        for (Class<?> t : types) {
            if (test(t)) {
                return true;
            }
        }
        return false;
    }

    /** True if one of {@code names} is or descends from the target; null if one could not be resolved. */
    private Boolean any(String[] names, Map<String, Boolean> memo, Supers supers, int depth) {
        for (String n : names) {
            Boolean r = is(n, memo, supers, depth);
            if (r == null || r) {
                return r;
            }
        }
        return Boolean.FALSE;
    }

    private Boolean is(String name, Map<String, Boolean> memo, Supers supers, int depth) {
        if (name.equals(target)) {
            return Boolean.TRUE;
        }
        if (name.equals("java.lang.Object") || depth >= MAX_DEPTH || (jdkNeverMatches && isJdk(name))) {
            return Boolean.FALSE;
        }
        Boolean known = memo.get(name);
        if (known != null) {
            return known;
        }
        String[] direct = supers.of(name);
        if (direct == null) {
            return null;
        }
        Boolean r = any(direct, memo, supers, depth + 1);
        if (r != null) {
            memo.put(name, r);
        }
        return r;
    }

    private static Supers supers(ClassLoader loader) {
        synchronized (SUPERS) {
            Supers s = SUPERS.get(loader);
            if (s == null) {
                s = new Supers(loader);
                SUPERS.put(loader, s);
            }
            return s;
        }
    }

    /** One loader's types' direct supertypes, read once each from their class files. */
    private static final class Supers {
        private final WeakReference<ClassLoader> loader;
        private final ConcurrentHashMap<String, String[]> direct = new ConcurrentHashMap<>();

        Supers(ClassLoader loader) {
            this.loader = new WeakReference<>(loader);
        }

        /** Null if the type cannot be found or read. */
        String[] of(String name) {
            String[] d = direct.get(name);
            if (d != null) {
                return d;
            }
            ClassLoader l = loader.get();
            if (l == null) {
                return null;
            }
            d = fromClass(name, l);
            if (d == null) {
                try (InputStream in = l.getResourceAsStream(name.replace('.', '/') + ".class")) {
                    d = in == null ? null : ClassHeaders.directSupertypes(in.readAllBytes()); // only its header is parsed
                } catch (IOException | RuntimeException unreadable) {
                    return null;
                }
                if (d == null) {
                    return null;
                }
            }
            if (direct.size() >= MAX_NAMES) {
                direct.clear();
            }
            direct.put(name, d);
            return d;
        }
    }

    /**
     * A supertype's own direct supertypes, from the class as the loader resolves it, not
     * initialized; null if it cannot be had so. The JVM resolves each supertype of the class being
     * loaded through the same loader as soon as the class is defined, a moment after this, so
     * asking for it here takes no lock in an order the JVM would not. Half are loaded already (26
     * of the 52 looked up as the Spring Boot sample starts): a lookup, where reading the class file
     * cost about 400 us each (the parent loaders' searches first, the boot loader's looking
     * through every module of the JDK's image for a name outside its packages, then the jar
     * entry). One not loaded yet is loaded now rather than a moment later, and passes through the
     * weaver as every class does. Not from inside such a load (one level deep only).
     */
    private static String[] fromClass(String name, ClassLoader l) {
        if (RESOLVING.get() != null) {
            return null;
        }
        RESOLVING.set(Boolean.TRUE);
        try {
            Class<?> c = Class.forName(name, false, l);
            Class<?> superclass = c.getSuperclass();
            Class<?>[] interfaces = c.getInterfaces();
            String[] out = new String[(superclass == null ? 0 : 1) + interfaces.length];
            int i = 0;
            if (superclass != null) {
                out[i++] = superclass.getName();
            }
            for (Class<?> t : interfaces) {
                out[i++] = t.getName();
            }
            return out;
        } catch (ClassNotFoundException | LinkageError | RuntimeException notThisWay) {
            return null;
        } finally {
            RESOLVING.remove();
        }
    }

    /** Set while this thread asks a loader for a supertype. */
    private static final ThreadLocal<Boolean> RESOLVING = new ThreadLocal<>();

    @Override
    public String toString() {
        return "subtypes of " + target;
    }
}
