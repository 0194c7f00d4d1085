package io.holdtrace.instrumentation;

import java.io.IOException;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.utility.JavaModule;

/**
 * Matches the classes that extend or implement one type (a {@code java.sql.Driver}, a
 * {@code java.sql.Connection}), remembering the answer for every type it looks at, per class
 * loader. Byte Buddy's {@code hasSuperType} walks each loaded class's whole hierarchy again,
 * parsing every class it looks at; at a Spring Boot start-up that was most of the agent's
 * matching time. Here a class being loaded costs a look at its direct supertypes' names, read
 * from its header ({@link ClassHeaders}) without parsing it, and at their answers, known already
 * or worked out once: a supertype not seen yet has its class file's header read once per loader,
 * for its own direct supertypes' names, which every instance of this matcher then shares.
 *
 * <p>The loaders are weak keys, and class files are read through weakly referencing locators;
 * each loader's memory of names is emptied when it reaches {@link #MAX_NAMES}. A supertype that
 * cannot be resolved makes no match and is not remembered.
 */
public final class Subtypes implements AgentBuilder.RawMatcher {

    static final int MAX_NAMES = 65_536;
    private static final int MAX_DEPTH = 64;
    private static final String[] NONE = new String[0];
    /** Per loader: each type's direct supertypes' names, for every instance. */
    private static final Map<ClassLoader, Supers> SUPERS = new WeakHashMap<>();

    private final String target;
    private final ElementMatcher<? super TypeDescription> first;
    private final Map<ClassLoader, Map<String, Boolean>> byLoader = new WeakHashMap<>();

    private Subtypes(String target, ElementMatcher<? super TypeDescription> first) {
        this.target = target;
        this.first = first;
    }

    /** Classes (not interfaces) that are {@code typeName} or extend or implement it. */
    public static AgentBuilder.RawMatcher of(String typeName) {
        return new Subtypes(typeName, ElementMatchers.any());
    }

    /** The same, among the classes {@code first} matches (a cheap test on the name, asked before any other). */
    public static AgentBuilder.RawMatcher of(String typeName, ElementMatcher<? super TypeDescription> first) {
        return new Subtypes(typeName, first);
    }

    @Override
    public boolean matches(TypeDescription type, ClassLoader loader, JavaModule module, Class<?> redefined,
                           ProtectionDomain domain) {
        if (!first.matches(type)) {
            return false;
        }
        Map<String, Boolean> memo;
        synchronized (byLoader) {
            memo = byLoader.computeIfAbsent(loader, l -> new ConcurrentHashMap<>());
        }
        if (memo.size() >= MAX_NAMES) {
            memo.clear();
        }
        String name = type.getName();
        Boolean known = memo.get(name);
        if (known == null) {
            String[] direct = ClassHeaders.of(name);
            try {
                if (direct == null) {
                    direct = directSupertypes(type); // no header read (a class loaded before the agent): parse it
                }
            } catch (RuntimeException unresolvable) {
                return false;
            }
            Supers supers = supers(loader);
            Boolean found = name.equals(target) ? Boolean.TRUE : any(direct, memo, supers, 1);
            if (found == null) {
                return false; // a supertype could not be resolved
            }
            memo.put(name, found);
            known = found;
        }
        return known && !type.isInterface();
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
        if (name.equals("java.lang.Object") || depth >= MAX_DEPTH) {
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
            return SUPERS.computeIfAbsent(loader, Supers::new);
        }
    }

    /** The names of {@code t}'s superclass (if any) and interfaces. */
    static String[] directSupertypes(TypeDescription t) {
        TypeDescription.Generic s = t.getSuperClass();
        int k = s != null ? 1 : 0;
        String[] out = new String[k + t.getInterfaces().size()];
        if (s != null) {
            out[0] = s.asErasure().getName();
        }
        for (TypeDescription.Generic i : t.getInterfaces()) {
            out[k++] = i.asErasure().getName();
        }
        return out.length == 0 ? NONE : out;
    }

    /** One loader's types' direct supertypes, read once each from their class files. */
    private static final class Supers {
        private final ClassFileLocator locator;
        private final ConcurrentHashMap<String, String[]> direct = new ConcurrentHashMap<>();

        Supers(ClassLoader loader) {
            this.locator = loader == null ? ClassFileLocator.ForClassLoader.ofBootLoader()
                    : ClassFileLocator.ForClassLoader.WeaklyReferenced.of(loader);
        }

        /** Null if the type cannot be found or read. */
        String[] of(String name) {
            String[] d = direct.get(name);
            if (d != null) {
                return d;
            }
            try {
                ClassFileLocator.Resolution file = locator.locate(name); // its header is all that is read
                d = file.isResolved() ? ClassHeaders.directSupertypes(file.resolve()) : null;
            } catch (IOException | RuntimeException unreadable) {
                return null;
            }
            if (d == null) {
                return null;
            }
            if (direct.size() >= MAX_NAMES) {
                direct.clear();
            }
            direct.put(name, d);
            return d;
        }
    }

    @Override
    public String toString() {
        return "subtypes of " + target;
    }
}
