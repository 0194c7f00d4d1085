package io.holdtrace.instrumentation;

import java.util.Arrays;
import java.util.List;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;

/**
 * One change an {@link InstrumentationModule} makes, and to which classes: named ones (by any
 * class loader, the boot loader's included), or the classes (not interfaces, not the boot
 * loader's) that are or descend from one type and declare, with a body, a method of one of some
 * names (a class that declares none would not be changed: advice weaves declared methods only).
 * The {@link Weaver} decides from names and class-file headers alone. A change is either
 * {@link Hook}s, woven with plain ASM ({@link HookWeaver}), or Byte Buddy advice (a
 * {@link Change}), for what hooks cannot say (calls on the application's own types); Byte Buddy
 * is used only for the classes such a change applies to.
 */
public final class Weave {

    /** What is done to a class: its advice, applied to a Byte Buddy builder of it. */
    @FunctionalInterface
    public interface Change {
        DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, TypeDescription type);

        /**
         * Where Byte Buddy reads an advice class's own class file ({@code Advice.to(type, this)}):
         * its loader, or for a class of the bootstrap loader's (holdtrace's, in the agent, whose
         * jar is appended to the bootstrap class path at run time, which the JDK's resource
         * lookups there do not see) the system class loader, which has the agent jar on its path.
         */
        static ClassFileLocator classFilesOf(Class<?> advice) {
            ClassLoader l = advice.getClassLoader();
            return ClassFileLocator.ForClassLoader.of(l != null ? l : ClassLoader.getSystemClassLoader());
        }
    }

    final String[] names;
    final String supertype;
    final String[] declaring;
    final String[] within;
    final String[] except;
    /** Byte Buddy's change, or null where {@link #hooks} are. */
    final Change change;
    final List<Hook> hooks;
    /** Binary name of an interface the class must (or, {@link #unless}, must not) declare itself; or null. */
    final String declaresTest;
    final boolean unless;

    private Weave(String[] names, String supertype, String[] declaring, String[] within, String[] except, Change change,
                  List<Hook> hooks, String declaresTest, boolean unless) {
        this.names = names;
        this.supertype = supertype;
        this.declaring = declaring;
        this.within = within;
        this.except = except;
        this.change = change;
        this.hooks = hooks;
        this.declaresTest = declaresTest;
        this.unless = unless;
    }

    /** The classes of these binary names. */
    public static Weave named(Change change, String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("no names");
        }
        return new Weave(names.clone(), null, null, new String[0], new String[0], change, null, null, false);
    }

    /** Hooks into the classes of these binary names. */
    public static Weave named(List<Hook> hooks, String... names) {
        if (names.length == 0 || hooks.isEmpty()) {
            throw new IllegalArgumentException("no names or no hooks");
        }
        return new Weave(names.clone(), null, null, new String[0], new String[0], null, List.copyOf(hooks), null, false);
    }

    /** Classes that are {@code supertype} or descend from it and declare a method of one of {@code methods}. */
    public static Weave subtypes(String supertype, String[] methods, Change change) {
        if (methods.length == 0) {
            throw new IllegalArgumentException("no methods: a subtype weave changes the methods it names");
        }
        return new Weave(null, supertype, methods.clone(), new String[0], new String[0], change, null, null, false);
    }

    /** Hooks into classes that are {@code supertype} or descend from it and declare a method one of them is on. */
    public static Weave subtypes(String supertype, List<Hook> hooks) {
        java.util.LinkedHashSet<String> methods = new java.util.LinkedHashSet<>();
        for (Hook h : hooks) {
            methods.addAll(h.names);
        }
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("no hooks");
        }
        return new Weave(null, supertype, methods.toArray(new String[0]), new String[0], new String[0], null,
                List.copyOf(hooks), null, false);
    }

    /** Only classes whose binary names start with one of {@code prefixes}. */
    public Weave within(String... prefixes) {
        return new Weave(names, supertype, declaring, prefixes.clone(), except, change, hooks, declaresTest, unless);
    }

    /** Not classes whose binary names start with one of {@code prefixes}. */
    public Weave except(String... prefixes) {
        return new Weave(names, supertype, declaring, within, prefixes.clone(), change, hooks, declaresTest, unless);
    }

    /** Not classes that declare (themselves, by name) the interface {@code binaryName}, such as a marker an earlier transformer added. */
    public Weave unlessDeclares(String binaryName) {
        return new Weave(names, supertype, declaring, within, except, change, hooks, binaryName, true);
    }

    /** Only classes that declare (themselves, by name) the interface {@code binaryName}. */
    public Weave ifDeclares(String binaryName) {
        return new Weave(names, supertype, declaring, within, except, change, hooks, binaryName, false);
    }

    /** Does the class, whose direct supertypes are {@code declared} (null: unknown), take this weave? */
    boolean takes(String[] declared) {
        if (declaresTest == null) {
            return true;
        }
        boolean has = declared != null && Arrays.asList(declared).contains(declaresTest);
        return has != unless;
    }

    /** Do {@link #within} and {@link #except} admit {@code binaryName}? */
    boolean admits(String binaryName) {
        if (within.length > 0 && !startsWithOne(binaryName, within)) {
            return false;
        }
        return !startsWithOne(binaryName, except);
    }

    private static boolean startsWithOne(String name, String[] prefixes) {
        for (String p : prefixes) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return (hooks != null ? hooks + " into " : "") + (names != null ? "classes " + Arrays.toString(names)
                : "subtypes of " + supertype + " declaring " + Arrays.toString(declaring)
                        + (within.length > 0 ? " within " + Arrays.toString(within) : "")
                        + (except.length > 0 ? " except " + Arrays.toString(except) : ""))
                + (declaresTest != null ? (unless ? " unless" : " if") + " declaring " + declaresTest : "");
    }
}
