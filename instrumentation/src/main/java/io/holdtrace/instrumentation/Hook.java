package io.holdtrace.instrumentation;

import java.util.Arrays;
import java.util.List;

/**
 * A call-out woven into some methods of a class by {@link HookWeaver}: on entry, a static call to
 * holdtrace's bootstrap part (its result, if any, kept for the exit); on exit, another, at every
 * normal return and, if asked, when the method throws (then the throwable is rethrown). The calls
 * pass values the method has at hand: {@code this}, its arguments, a field this class declares,
 * the return value, the entry call's result, the throwable, constants.
 *
 * <p>This is what most of holdtrace's advice is, written as data instead of an advice class that
 * Byte Buddy reads, parses and inlines: the weave is one pass of plain ASM, which the JVM has
 * mostly loaded and compiled by the time an application's first classes are woven, rather than
 * Byte Buddy's first use (about half a second of a Spring Boot start on two cores). The called
 * methods must never throw (every {@code io.holdtrace.bootstrap} entry point catches its own
 * faults); the values are read without any call that could throw (loads and field reads of
 * {@code this}), so nothing woven can throw into the application.
 */
public final class Hook {

    /** Where a value passed to a hook comes from. */
    enum Source { THIS, ARGUMENT, FIELD, RETURNED, ENTERED, THROWN, CONSTANT, NULL }

    /** One value passed to a hook call. */
    public static final class Value {
        final Source source;
        final int index;
        final String field;
        /** For a field of a named supertype: its internal name and the field's descriptor; else null. */
        final String fieldOwner;
        final String fieldDescriptor;
        final Object constant;

        private Value(Source source, int index, String field, Object constant) {
            this(source, index, field, null, null, constant);
        }

        private Value(Source source, int index, String field, String fieldOwner, String fieldDescriptor, Object constant) {
            this.source = source;
            this.index = index;
            this.field = field;
            this.fieldOwner = fieldOwner;
            this.fieldDescriptor = fieldDescriptor;
            this.constant = constant;
        }

        @Override
        public String toString() {
            switch (source) {
                case ARGUMENT: return "argument " + index;
                case FIELD: return "field " + field;
                case CONSTANT: return "constant " + constant;
                default: return source.name().toLowerCase(java.util.Locale.ROOT);
            }
        }
    }

    /** The object the method runs on (not for static methods). */
    public static final Value THIS = new Value(Source.THIS, 0, null, null);
    /** The return value (exit only; null or zero when the method threw). */
    public static final Value RETURNED = new Value(Source.RETURNED, 0, null, null);
    /** What the entry call returned (exit only). */
    public static final Value ENTERED = new Value(Source.ENTERED, 0, null, null);
    /** What the method threw (exit only; null at a normal return). */
    public static final Value THROWN = new Value(Source.THROWN, 0, null, null);
    /** A null reference. */
    public static final Value NULL = new Value(Source.NULL, 0, null, null);

    /** The method's argument {@code i} (0 is the first declared one), as it was on entry. */
    public static Value argument(int i) {
        if (i < 0) {
            throw new IllegalArgumentException("argument " + i);
        }
        return new Value(Source.ARGUMENT, i, null, null);
    }

    /** A field of {@code this} that the woven class itself declares (the method is not woven if it does not). */
    public static Value field(String name) {
        return new Value(Source.FIELD, 0, name, null);
    }

    /**
     * A field of {@code this} declared by the supertype {@code owner} (a binary name), of type
     * {@code descriptor}: for the protected fields of a JDK API class only (such as
     * {@code java.net.HttpURLConnection.method}), which the specification guarantees; nothing
     * checks that the field exists.
     */
    public static Value field(String owner, String name, String descriptor) {
        return new Value(Source.FIELD, 0, name, owner.replace('.', '/'), descriptor, null);
    }

    /** A constant: a {@link String} or an {@link Integer}. */
    public static Value constant(Object value) {
        if (!(value instanceof String) && !(value instanceof Integer)) {
            throw new IllegalArgumentException("a constant is a String or an Integer: " + value);
        }
        return new Value(Source.CONSTANT, 0, null, value);
    }

    /** A static method of holdtrace's bootstrap part, and what is passed to it. */
    public static final class Call {
        final String owner;
        final String name;
        final String descriptor;
        final Value[] values;

        private Call(String owner, String name, String descriptor, Value[] values) {
            this.owner = owner;
            this.name = name;
            this.descriptor = descriptor;
            this.values = values;
        }

        boolean uses(Source s) {
            for (Value v : values) {
                if (v.source == s) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return owner.substring(owner.lastIndexOf('/') + 1) + "." + name + Arrays.toString(values);
        }
    }

    /**
     * A call of {@code owner.name(descriptor)}; {@code owner} a class, {@code descriptor} in the JVM's
     * form, e.g. {@code call(Holds.class, "released", "(Ljava/lang/Object;I)V", THIS, constant(1))}.
     */
    public static Call call(Class<?> owner, String name, String descriptor, Value... values) {
        if (!owner.getName().startsWith("io.holdtrace.bootstrap.")) {
            throw new IllegalArgumentException("hooks call holdtrace's bootstrap part only: " + owner.getName());
        }
        return new Call(owner.getName().replace('.', '/'), name, descriptor, values.clone());
    }

    final List<String> names;
    /** Number of arguments, or -1 for any. */
    final int arguments;
    /** Required argument types by index ({@code null}: any), as descriptors. */
    final String[] argumentTypes;
    /** The required return type's descriptor, or null: any. */
    final String returnType;
    final Call enter;
    final Call exit;
    final boolean onThrowable;

    private Hook(List<String> names, int arguments, String[] argumentTypes, String returnType, Call enter, Call exit,
                 boolean onThrowable) {
        this.names = names;
        this.arguments = arguments;
        this.argumentTypes = argumentTypes;
        this.returnType = returnType;
        this.enter = enter;
        this.exit = exit;
        this.onThrowable = onThrowable;
    }

    /** A hook on the methods of these names (that have a body, and are neither bridges nor constructors). */
    public static Hook on(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("no method names");
        }
        return new Hook(List.of(names), -1, new String[0], null, null, null, false);
    }

    /** Only methods of {@code n} arguments. */
    public Hook arguments(int n) {
        return new Hook(names, n, argumentTypes, returnType, enter, exit, onThrowable);
    }

    /** Only methods whose argument {@code i} is of the type whose descriptor is {@code descriptor}. */
    public Hook argument(int i, String descriptor) {
        String[] types = Arrays.copyOf(argumentTypes, Math.max(argumentTypes.length, i + 1));
        types[i] = descriptor;
        return new Hook(names, arguments, types, returnType, enter, exit, onThrowable);
    }

    /** Only methods that return the type whose descriptor is {@code descriptor}. */
    public Hook returns(String descriptor) {
        return new Hook(names, arguments, argumentTypes, descriptor, enter, exit, onThrowable);
    }

    /** The call made on entry. */
    public Hook enter(Call call) {
        for (Value v : call.values) {
            if (v.source == Source.RETURNED || v.source == Source.ENTERED || v.source == Source.THROWN) {
                throw new IllegalArgumentException("an entry call cannot pass " + v);
            }
        }
        return new Hook(names, arguments, argumentTypes, returnType, call, exit, onThrowable);
    }

    /** The call made at every normal return. */
    public Hook exit(Call call) {
        return new Hook(names, arguments, argumentTypes, returnType, enter, call, false);
    }

    /** The call made at every normal return, and when the method throws (then with {@link #THROWN}). */
    public Hook exitOrThrow(Call call) {
        return new Hook(names, arguments, argumentTypes, returnType, enter, call, true);
    }

    @Override
    public String toString() {
        return "hook on " + names + (arguments >= 0 ? "/" + arguments : "")
                + (enter != null ? " enter " + enter : "") + (exit != null ? " exit " + exit : "");
    }
}
