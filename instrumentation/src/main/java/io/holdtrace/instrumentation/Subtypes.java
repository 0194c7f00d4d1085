package io.holdtrace.instrumentation;

import java.security.ProtectionDomain;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDefinition;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.utility.JavaModule;

/**
 * Matches the classes that extend or implement one type (a {@code java.sql.Driver}, a
 * {@code java.sql.Connection}), remembering the answer for every type it looks at, per class
 * loader. Byte Buddy's {@code hasSuperType} walks each loaded class's whole hierarchy again; at a
 * Spring Boot start-up that walk, over thousands of classes, was most of the agent's matching
 * time. Here a class costs a look at its direct supertypes, whose answers are known already.
 *
 * <p>The loaders are weak keys; each loader's memory of names is emptied when it reaches
 * {@link #MAX_NAMES}. A supertype that cannot be resolved makes no match and is not remembered.
 */
public final class Subtypes implements AgentBuilder.RawMatcher {

    static final int MAX_NAMES = 65_536;
    private static final int MAX_DEPTH = 64;

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
        return isSubtype(type, memo, 0) && !type.isInterface();
    }

    private boolean isSubtype(TypeDefinition t, Map<String, Boolean> memo, int depth) {
        if (t == null) {
            return false;
        }
        TypeDescription e = t.asErasure();
        String name = e.getName();
        if (name.equals(target)) {
            return true;
        }
        if (name.equals("java.lang.Object") || e.isPrimitive() || e.isArray()) {
            return false;
        }
        Boolean known = memo.get(name);
        if (known != null) {
            return known;
        }
        if (depth >= MAX_DEPTH) {
            return false;
        }
        boolean found;
        try {
            found = isSubtype(e.getSuperClass(), memo, depth + 1);
            if (!found) {
                for (TypeDescription.Generic i : e.getInterfaces()) {
                    if (isSubtype(i, memo, depth + 1)) {
                        found = true;
                        break;
                    }
                }
            }
        } catch (RuntimeException unresolvable) {
            return false; // a supertype missing from the class path: not a match, and not remembered
        }
        memo.put(name, found);
        return found;
    }

    @Override
    public String toString() {
        return "subtypes of " + target;
    }
}
