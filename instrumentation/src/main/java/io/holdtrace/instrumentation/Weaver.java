package io.holdtrace.instrumentation;

import io.holdtrace.bootstrap.Faults;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;

/**
 * holdtrace's one retransformable class-file transformer: decides for each class being loaded
 * (or retransformed) whether a {@link Weave} applies, from its name and its class file's header
 * only, and changes only those classes. A class that no weave names and that declares none of the
 * subtype weaves' methods costs a hash lookup and one pass over its constant pool; no description
 * of it is made and nothing is parsed. (Byte Buddy's {@code AgentBuilder} did that work for every
 * class, and generated a transformer class as it was installed: most of holdtrace's start-up.)
 *
 * <p>Most weaves are {@link Hook}s, woven with plain ASM by {@link HookWeaver}: a pass over the
 * class that the JVM has mostly loaded and compiled by then. Byte Buddy's {@code Advice} is used
 * only for a weave that is a {@link Weave.Change}; its first use costs about half a second of
 * class loading and interpretation, so it is warmed up on a thread of its own ({@link #warmUp})
 * only where such a weave may come.
 *
 * <p>The weaves never alter a class's shape (no member or interface added), so retransformation
 * may apply them to classes loaded before the agent. The modules' shape changes
 * ({@link InstrumentationModule#classFileChanges()}) are made here too, first, so that the JVM has
 * one transformer of holdtrace's to call for each class it loads, not two: a second, not
 * retransformable, would be a second JVMTI environment, each class file copied and handed to Java
 * once more (about 50 ms of a Spring Boot application's start on a 2-core VM). A shape change must
 * give a class it changed as it loaded the same shape again when the class is retransformed.
 * Never throws: a class it cannot weave is loaded as it is, and the failure counted
 * ({@link Faults}).
 */
public final class Weaver implements ClassFileTransformer {

    static final int MAX_TYPES = 8192;
    private static final String PREFIX = "[holdtrace] ";
    /** Set while this thread weaves: a class loaded meanwhile is left alone. */
    private static final ThreadLocal<Boolean> BUSY = new ThreadLocal<>();

    /** Weaves by the internal name ({@code a/b/C}) of the class they name. */
    private final Map<String, Weave[]> byName = new HashMap<>();
    /** The modules' shape changes, called before the weaves. */
    private final ClassFileTransformer[] shapes;
    private final Set<String> binaryNames = new HashSet<>();
    private final BySupertype[] bySupertype;
    /** The subtype weaves' method names, as modified UTF-8, one bit each. */
    private final byte[][] methodNames;
    private final ClassFileLocator extraClassFiles;
    private final boolean debug;
    /** Byte Buddy's weaves, made at the first: its classes are not loaded (nor verified) before. */
    private volatile AdviceWeaver adviceWeaver;
    /** Packages (internal names, with their last '/') of the classes that Byte Buddy weaves by name. */
    private final String[] warmUpPrefixes;
    private final boolean adviceOnSubtypes;
    /** Whether any weave is hooks: the hook weaver is then warmed up as the agent starts. */
    private final boolean hooked;
    private volatile boolean warmedUp;

    /**
     * @param extraClassFiles where class files no loader serves as resources are read from (the
     *                        agent's bootstrap part, which woven classes come to implement)
     */
    public Weaver(List<Weave> weaves, ClassFileLocator extraClassFiles) {
        this(weaves, List.of(), extraClassFiles);
    }

    /**
     * @param shapes the modules' shape changes ({@link InstrumentationModule#classFileChanges()}),
     *               made before the weaves, in this order
     */
    public Weaver(List<Weave> weaves, List<ClassFileTransformer> shapes, ClassFileLocator extraClassFiles) {
        this.shapes = shapes.toArray(new ClassFileTransformer[0]);
        this.extraClassFiles = extraClassFiles;
        this.debug = Boolean.getBoolean("holdtrace.debug.weaving");
        Map<String, Integer> bits = new LinkedHashMap<>();
        Set<String> prefixes = new java.util.TreeSet<>();
        boolean onSubtypes = false;
        for (Weave w : weaves) {
            if (w.change == null || w.declaresTest != null) {
                continue; // hooks need no Byte Buddy; a conditional change (a rare case) pays its own way
            }
            if (w.names == null) {
                onSubtypes = true;
            } else {
                for (String n : w.names) {
                    prefixes.add(n.substring(0, n.lastIndexOf('.') + 1).replace('.', '/'));
                }
            }
        }
        this.warmUpPrefixes = prefixes.toArray(new String[0]);
        boolean anyHooks = false;
        for (Weave w : weaves) {
            anyHooks |= w.hooks != null;
        }
        this.hooked = anyHooks;
        this.adviceOnSubtypes = onSubtypes;
        List<BySupertype> subtypes = new ArrayList<>();
        Map<String, Subtypes> tests = new HashMap<>();
        for (Weave w : weaves) {
            if (w.names != null) {
                for (String n : w.names) {
                    binaryNames.add(n);
                    String internal = n.replace('.', '/');
                    Weave[] before = byName.get(internal);
                    byName.put(internal, before == null ? new Weave[] {w} : concat(before, new Weave[] {w}));
                }
                continue;
            }
            long mask = 0;
            for (String m : w.declaring) {
                Integer bit = bits.get(m);
                if (bit == null) {
                    bit = bits.size();
                    bits.put(m, bit);
                }
                if (bit >= 64) {
                    throw new IllegalArgumentException("more than 64 method names among the subtype weaves");
                }
                mask |= 1L << bit;
            }
            Subtypes test = tests.get(w.supertype);
            if (test == null) {
                test = new Subtypes(w.supertype);
                tests.put(w.supertype, test);
            }
            subtypes.add(new BySupertype(w, test, mask));
        }
        this.bySupertype = subtypes.toArray(new BySupertype[0]);
        this.methodNames = new byte[bits.size()][];
        for (Map.Entry<String, Integer> e : bits.entrySet()) { // loops, not lambdas, on the agent's start
            methodNames[e.getValue()] = e.getKey().getBytes(StandardCharsets.UTF_8);
        }
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] bytes) {
        if (className == null || bytes == null) {
            return null;
        }
        byte[] shaped = shapes.length == 0 ? null : shape(loader, className, redefined, domain, bytes);
        if (shaped != null) {
            bytes = shaped;
        }
        try {
            Weave[] named = byName.get(className);
            List<Weave> changes = null;
            if (named != null) {
                changes = new ArrayList<>(List.of(named));
            }
            if (loader != null && bySupertype.length > 0 && !className.startsWith("io/holdtrace/")) {
                long declared;
                try {
                    declared = ClassHeaders.declaredMethods(bytes, methodNames);
                } catch (IllegalArgumentException | IndexOutOfBoundsException malformed) {
                    return shaped; // not a class file the JVM will define: not ours to report
                }
                if (declared != 0) {
                    changes = subtypeWeaves(loader, className.replace('/', '.'), bytes, declared, changes);
                }
            }
            if (!warmedUp && warmUpPrefixes.length > 0) {
                warmUpFor(className);
            }
            byte[] woven = changes == null ? null : weave(loader, className.replace('/', '.'), bytes, changes);
            return woven != null ? woven : shaped;
        } catch (Throwable t) {
            failed(className.replace('/', '.'), t);
            return shaped; // a shape given as the class loaded is kept on a retransformation, woven or not
        }
    }

    /** The shape changes' output, each fed the one before's; null if none changed the class. */
    private byte[] shape(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
        byte[] out = null;
        for (ClassFileTransformer s : shapes) {
            try {
                byte[] b = s.transform(loader, className, redefined, domain, out != null ? out : bytes);
                if (b != null) {
                    out = b;
                }
            } catch (Throwable t) { // (they never throw; one that did is counted, and the class loads without it)
                failed(className.replace('/', '.'), t);
            }
        }
        return out;
    }

    private List<Weave> subtypeWeaves(ClassLoader loader, String name, byte[] bytes, long declared, List<Weave> changes) {
        String[] direct = null;
        for (BySupertype s : bySupertype) {
            if ((declared & s.methods) == 0 || !s.weave.admits(name)) {
                continue;
            }
            if (direct == null) {
                direct = ClassHeaders.directSupertypes(bytes);
            }
            if (s.types.test(name, direct, loader)) {
                if (changes == null) {
                    changes = new ArrayList<>(2);
                }
                changes.add(s.weave);
            }
        }
        return changes;
    }

    private byte[] weave(ClassLoader loader, String name, byte[] bytes, List<Weave> changes) {
        if (BUSY.get() != null) {
            return null;
        }
        BUSY.set(Boolean.TRUE);
        long t0 = debug ? System.nanoTime() : 0;
        try {
            String[] declared = null;
            List<Hook> hooks = null;
            List<Weave> advice = null;
            for (Weave w : changes) {
                if (w.declaresTest != null) {
                    if (declared == null) {
                        declared = ClassHeaders.directSupertypes(bytes);
                    }
                    if (!w.takes(declared)) {
                        continue;
                    }
                }
                if (w.hooks != null) {
                    if (hooks == null) {
                        hooks = new ArrayList<>();
                    }
                    hooks.addAll(w.hooks);
                } else {
                    if (advice == null) {
                        advice = new ArrayList<>(2);
                    }
                    advice.add(w);
                }
            }
            byte[] out = null;
            if (hooks != null) {
                try {
                    out = HookWeaver.weave(bytes, hooks);
                } catch (HookWeaver.Refused refused) {
                    if (debug) {
                        System.err.println(PREFIX + "not woven " + name + ": " + refused.getMessage());
                    }
                    return null; // all or nothing: a class of another shape is left as it is
                }
            }
            if (advice != null) {
                byte[] b = adviceWeaver().weave(loader, name, out != null ? out : bytes, advice);
                out = b != null ? b : out;
            }
            if (debug && out != null) {
                System.err.println(PREFIX + "wove " + name + (advice == null ? " with hooks" : "") + " ("
                        + (System.nanoTime() - t0) / 1000 + " us)");
            }
            return out;
        } finally {
            BUSY.remove();
        }
    }

    /** One weave, as for a class being loaded, whose failure is thrown rather than reported ({@link WarmUp}). */
    byte[] weaveQuietly(ClassLoader loader, String name, byte[] bytes, Weave weave) {
        return weave(loader, name, bytes, List.of(weave));
    }

    /**
     * Starts paying Byte Buddy's first-use cost on a thread of its own ({@link WarmUp}) once it is
     * needed: now if a subtype weave is Byte Buddy's (any class may need it), else when the first
     * class of a package that a Byte Buddy weave names is loaded (a library is loaded class by
     * class, so this comes before the class woven); never if every weave is hooks. Those weave
     * with plain ASM, and an application that needs no Byte Buddy weave pays none of its cost.
     * {@code -Dholdtrace.debug.warmup=false} leaves it out, to measure it.
     */
    public void warmUp() {
        if ("false".equals(System.getProperty("holdtrace.debug.warmup"))) {
            warmedUp = true;
            return;
        }
        if (hooked) {
            WarmUp.startHooks();
        }
        if (adviceOnSubtypes) {
            startWarmUp();
        }
    }

    /** Whether the Byte Buddy warm-up has started (or was left out). */
    boolean warmedUp() {
        return warmedUp;
    }

    private void warmUpFor(String className) {
        for (String p : warmUpPrefixes) {
            if (className.startsWith(p)) {
                if (debug) {
                    System.err.println(PREFIX + "Byte Buddy will weave classes of " + p + " (" + className + " loaded)");
                }
                startWarmUp();
                return;
            }
        }
    }

    private synchronized void startWarmUp() {
        if (!warmedUp) {
            warmedUp = true;
            if (debug) {
                System.err.println(PREFIX + "warming up Byte Buddy");
            }
            WarmUp.start(new Weaver(List.of(), ClassFileLocator.NoOp.INSTANCE));
        }
    }

    private void failed(String name, Throwable t) {
        if (t instanceof TypePool.Resolution.NoSuchTypeException) {
            if (debug) {
                System.err.println(PREFIX + "not woven " + name + ": " + t);
            }
            return; // the application's own class lacks a supertype on its class path; it will fail (or not) without us
        }
        Faults.report("weaving " + name, t);
    }

    /**
     * Retransforms the classes loaded before this transformer was added that a weave applies to
     * (by name, or by their loaded supertypes); call once, after adding it as retransformable.
     */
    public void retransformLoaded(Instrumentation inst) {
        List<Class<?>> todo = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            try {
                if (applies(c) && inst.isModifiableClass(c)) {
                    todo.add(c);
                }
            } catch (Throwable unreadable) {
                // a class whose supertypes cannot be resolved: not ours to weave
            }
        }
        if (todo.isEmpty()) {
            return;
        }
        try {
            inst.retransformClasses(todo.toArray(new Class<?>[0]));
        } catch (Throwable batch) {
            for (Class<?> c : todo) { // one at a time, so one that fails leaves the others woven
                try {
                    inst.retransformClasses(c);
                } catch (Throwable t) {
                    Faults.report("retransforming " + c.getName(), t);
                }
            }
        }
    }

    /** Does a weave apply to this loaded class? */
    boolean applies(Class<?> c) {
        if (c.isArray() || c.isPrimitive()) {
            return false;
        }
        String name = c.getName();
        if (binaryNames.contains(name)) {
            return true;
        }
        if (c.getClassLoader() == null || c.isInterface() || name.startsWith("io.holdtrace.")) {
            return false;
        }
        for (BySupertype s : bySupertype) {
            if (s.weave.admits(name) && s.types.test(c)) {
                return true;
            }
        }
        return false;
    }

    private AdviceWeaver adviceWeaver() {
        AdviceWeaver a = adviceWeaver;
        if (a == null) {
            synchronized (this) {
                a = adviceWeaver;
                if (a == null) {
                    a = new AdviceWeaver(extraClassFiles);
                    adviceWeaver = a;
                }
            }
        }
        return a;
    }

    private static Weave[] concat(Weave[] a, Weave[] b) {
        Weave[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A subtype weave, the test of its type (shared by the weaves of one type), its methods' bits. */
    private static final class BySupertype {
        final Weave weave;
        final Subtypes types;
        final long methods;

        BySupertype(Weave weave, Subtypes types, long methods) {
            this.weave = weave;
            this.types = types;
            this.methods = methods;
        }
    }
}
