package io.holdtrace.instrumentation;

import java.util.Arrays;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;

/**
 * One change an {@link InstrumentationModule} makes, and to which classes: named ones (by any
 * class loader, the boot loader's included), or the classes (not interfaces, not the boot
 * loader's) that are or descend from one type and declare, with a body, a method of one of some
 * names (a class that declares none would not be changed: advice weaves declared methods only).
 * The {@link Weaver} decides from names and class-file headers alone; Byte Buddy is used only
 * for the classes it changes.
 */
public final class Weave {

    /** What is done to a class: its advice, applied to a Byte Buddy builder of it. */
    @FunctionalInterface
    public interface Change {
        DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, TypeDescription type);
    }

    final String[] names;
    final String supertype;
    final String[] declaring;
    final String[] within;
    final String[] except;
    final Change change;

    private Weave(String[] names, String supertype, String[] declaring, String[] within, String[] except, Change change) {
        this.names = names;
        this.supertype = supertype;
        this.declaring = declaring;
        this.within = within;
        this.except = except;
        this.change = change;
    }

    /** The classes of these binary names. */
    public static Weave named(Change change, String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("no names");
        }
        return new Weave(names.clone(), null, null, new String[0], new String[0], change);
    }

    /** Classes that are {@code supertype} or descend from it and declare a method of one of {@code methods}. */
    public static Weave subtypes(String supertype, String[] methods, Change change) {
        if (methods.length == 0) {
            throw new IllegalArgumentException("no methods: a subtype weave changes the methods it names");
        }
        return new Weave(null, supertype, methods.clone(), new String[0], new String[0], change);
    }

    /** Only classes whose binary names start with one of {@code prefixes}. */
    public Weave within(String... prefixes) {
        return new Weave(names, supertype, declaring, prefixes.clone(), except, change);
    }

    /** Not classes whose binary names start with one of {@code prefixes}. */
    public Weave except(String... prefixes) {
        return new Weave(names, supertype, declaring, within, prefixes.clone(), change);
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
        return names != null ? "classes " + Arrays.toString(names)
                : "subtypes of " + supertype + " declaring " + Arrays.toString(declaring)
                        + (within.length > 0 ? " within " + Arrays.toString(within) : "")
                        + (except.length > 0 ? " except " + Arrays.toString(except) : "");
    }
}
