package io.holdtrace.instrumentation;

import io.holdtrace.bootstrap.Faults;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.Adler32;
import java.util.zip.CRC32;

/**
 * Weaves ahead, on a thread of its own, the classes the {@link Weaver} will weave: the ones its
 * weaves name and a few that its subtype weaves are known to take in common libraries (JDBC
 * drivers' connections). The first time a class loader defines a class of one of those
 * libraries (a name's first two packages: Spring's first class, in a Spring Boot application, a
 * second or more before its bean factory's), this thread reads each of that library's classes
 * from that loader as a resource and transforms it as the weaver would; the result waits here until the class is loaded, when the
 * weaver hands it out in place of weaving the class on the application's thread. On a Spring
 * Boot start with PostgreSQL that is about 30 ms of the main thread's weaving (the bean factory's
 * classes are large).
 *
 * <p>A result is used only for the first definition of a class (not a retransformation), by the
 * same loader, from the same bytes (by length and two checksums, {@link Result#of}): it is what the weaver makes of those
 * bytes, so the class is woven exactly as it would have been. Anything else, and the class is
 * woven as it loads. What this thread does is not reported as a fault: it may be for a class
 * never loaded, and if the class is loaded the weaver does it again and reports it then
 * ({@link Faults#quietOn}). A weave that needs Byte Buddy is left to the load (its first use is
 * costly, and warmed up only where a class needs it).
 *
 * <p>Bounded: at most {@link #MAX_BYTES} of results kept; the thread ends, and
 * drops what was never taken, after {@link #IDLE_SECONDS} with nothing to do. A library is done
 * once per loader, ever; loaders are held weakly.
 */
final class Ahead {

    static final long MAX_BYTES = 8L << 20;
    static final long IDLE_SECONDS = 60;

    /** What the weaver made of a class ahead: its input's length and checksums, and its output (null: unchanged). */
    static final class Result {
        final WeakReference<ClassLoader> loader;
        final int length;
        final long checksums;
        final byte[] output;

        Result(ClassLoader loader, byte[] input, byte[] output) {
            this.loader = new WeakReference<>(loader);
            this.length = input.length;
            this.checksums = checksums(input);
            this.output = output;
        }

        /**
         * Is {@code bytes} this result's input? Compared by length and two independent 32-bit
         * checksums (CRC-32 and Adler-32, the JDK's native code, fast even before the JIT compiles
         * anything: a comparison in full cost about 4 ms of a start, interpreted). The bytes
         * compared are the same class's, by the same loader; another transformer's change that
         * kept the length and both checksums is not a real possibility.
         */
        boolean of(byte[] bytes) {
            return bytes.length == length && checksums(bytes) == checksums;
        }

        static long checksums(byte[] bytes) {
            CRC32 crc = new CRC32();
            crc.update(bytes, 0, bytes.length);
            Adler32 adler = new Adler32();
            adler.update(bytes, 0, bytes.length);
            return crc.getValue() << 32 | adler.getValue();
        }
    }

    /** Marks a class loaded (or found to be) before its turn came: not to be done ahead. */
    private static final Result LOADED = new Result(null, new byte[0], null);

    /** Every internal name to do. */
    private final String[] all;
    /** Internal-name prefixes (a library's first two packages) whose classes start the work for their loader. */
    private final String[] libraries;
    /** The internal names (a/b/C) to do, by library, in the order they are done. */
    private final String[][] names;
    private final Weaver weaver;
    private final boolean debug;
    private final long maxBytes;
    private final long idleNanos;

    private final Map<String, Result> results = new ConcurrentHashMap<>();
    /** The libraries (their indexes) each loader was seen define a class of (guarded by this). */
    private final Map<ClassLoader, boolean[]> started = new WeakHashMap<>();
    /** Work to do: a loader and a library's index (guarded by this). */
    private final ArrayDeque<Task> queue = new ArrayDeque<>();
    private Thread thread; // guarded by this
    private long held; // guarded by this
    private int done; // guarded by this; tasks over (for tests)
    /** The last loader and library that started work: the common case, a loader defining a library class after class, costs a compare. */
    private volatile Task last = new Task(null, -1);

    private static final class Task {
        final WeakReference<ClassLoader> loader;
        final int library;

        Task(ClassLoader loader, int library) {
            this.loader = new WeakReference<>(loader);
            this.library = library;
        }
    }

    /**
     * @param names binary names of the classes to do ahead; those of the Java platform's own
     *              packages are left out (a loader does not serve them as resources)
     */
    Ahead(Weaver weaver, List<String> names, boolean debug) {
        this(weaver, names, debug, MAX_BYTES, TimeUnit.SECONDS.toNanos(IDLE_SECONDS));
    }

    Ahead(Weaver weaver, List<String> names, boolean debug, long maxBytes, long idleNanos) {
        this.weaver = weaver;
        this.debug = debug;
        this.maxBytes = maxBytes;
        this.idleNanos = idleNanos;
        Map<String, Set<String>> byLibrary = new LinkedHashMap<>();
        Set<String> all = new LinkedHashSet<>();
        for (String n : names) {
            if (Subtypes.isJdk(n) || n.indexOf('.') < 0) {
                continue;
            }
            String internal = n.replace('.', '/');
            all.add(internal);
            Set<String> of = byLibrary.get(library(internal)); // no lambda: none is spun on the agent's start
            if (of == null) {
                of = new LinkedHashSet<>();
                byLibrary.put(library(internal), of);
            }
            of.add(internal);
        }
        this.all = all.toArray(new String[0]);
        this.libraries = byLibrary.keySet().toArray(new String[0]);
        this.names = new String[libraries.length][];
        for (int i = 0; i < libraries.length; i++) {
            this.names[i] = byLibrary.get(libraries[i]).toArray(new String[0]);
        }
    }

    /** The first two packages of an internal name ({@code org/springframework/}), or its one package. */
    static String library(String internal) {
        int first = internal.indexOf('/');
        int second = first < 0 ? -1 : internal.indexOf('/', first + 1);
        return internal.substring(0, second > 0 ? second + 1 : first + 1);
    }

    /** The internal names of the classes it does. */
    List<String> names() {
        return List.of(all);
    }

    boolean isEmpty() {
        return libraries.length == 0;
    }

    /**
     * The result made ahead for this class, defined now by {@code loader} from {@code bytes}, or
     * null if there is none for it (it is then woven as it loads, and no longer done ahead).
     * Called for the classes the weaver has a name for (its weaves' and the likely ones).
     */
    Result take(ClassLoader loader, String className, byte[] bytes) {
        Result r = results.put(className, LOADED);
        if (r == null || r == LOADED || r.loader.get() != loader || !r.of(bytes)) {
            return null;
        }
        synchronized (this) {
            held -= size(r);
        }
        if (debug) {
            System.err.println("[holdtrace] woven ahead: " + className.replace('/', '.'));
        }
        return r;
    }

    /**
     * A class being defined by {@code loader} (not the bootstrap loader): starts the work for a
     * library's classes at the loader's first class of that library.
     */
    void defining(ClassLoader loader, String className) {
        Task t = last;
        if (t.library >= 0 && loader == t.loader.get() && className.startsWith(libraries[t.library])) {
            return;
        }
        for (int i = 0; i < libraries.length; i++) {
            if (className.startsWith(libraries[i])) {
                start(loader, i);
                return;
            }
        }
    }

    private synchronized void start(ClassLoader loader, int library) {
        Task task = new Task(loader, library);
        last = task;
        boolean[] seen = started.get(loader);
        if (seen == null) {
            seen = new boolean[libraries.length];
            started.put(loader, seen);
        }
        if (seen[library]) {
            return;
        }
        seen[library] = true;
        queue.add(task);
        notifyAll();
        if (thread == null) {
            Thread t = new Thread(new Runnable() { // a class, not a lambda: none is spun on the agent's start
                @Override
                public void run() {
                    work();
                }
            }, "holdtrace-weave-ahead");
            t.setDaemon(true);
            thread = t;
            t.start();
        }
    }

    private void work() {
        Faults.quietOn(Thread.currentThread());
        try {
            while (true) {
                Task task;
                synchronized (this) {
                    long deadline = System.nanoTime() + idleNanos;
                    while (queue.isEmpty()) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            thread = null;
                            results.clear(); // what was never taken (and the marks of what was)
                            held = 0;
                            notifyAll();
                            return;
                        }
                        TimeUnit.NANOSECONDS.timedWait(this, left);
                    }
                    task = queue.poll();
                }
                ClassLoader loader = task.loader.get();
                if (loader != null) {
                    weaveAll(loader, task.library);
                }
                synchronized (this) {
                    done++;
                    notifyAll();
                }
            }
        } catch (InterruptedException e) {
            synchronized (this) {
                thread = null;
                notifyAll();
            }
        } finally {
            Faults.quietOff(Thread.currentThread());
        }
    }

    private void weaveAll(ClassLoader loader, int library) {
        long t0 = System.nanoTime();
        int woven = 0;
        for (String name : names[library]) {
            if (results.containsKey(name)) {
                continue; // loaded already, or done for another loader
            }
            byte[] bytes;
            try (InputStream in = loader.getResourceAsStream(name + ".class")) {
                if (in == null) {
                    continue;
                }
                bytes = in.readAllBytes();
            } catch (Throwable unreadable) {
                continue;
            }
            Faults.quietFault(); // clears the mark
            byte[] out;
            try {
                out = weaver.ahead(loader, name, bytes);
            } catch (Weaver.NotAhead notAhead) {
                continue;
            }
            if (Faults.quietFault()) {
                continue; // left to the load, which reports it
            }
            Result r = new Result(loader, bytes, out);
            synchronized (this) {
                if (held + size(r) > maxBytes) {
                    return;
                }
                if (results.putIfAbsent(name, r) == null) {
                    held += size(r);
                    woven++;
                }
            }
        }
        if (debug) {
            System.err.println("[holdtrace] woven ahead through " + loader + ": " + woven + " classes of " + libraries[library] + " in "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
    }

    private static long size(Result r) {
        return 64 + (r.output == null ? 0 : r.output.length);
    }

    /** Waits until {@code tasks} libraries' work (one per loader and library) is over (tests). */
    synchronized boolean awaitDone(int tasks, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (done < tasks) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** Whether this class (internal name) waits to be taken (tests). */
    boolean waiting(String internalName) {
        Result r = results.get(internalName);
        return r != null && r != LOADED;
    }

    /** The classes waiting to be taken (tests). */
    int waiting() {
        int n = 0;
        for (Result r : results.values()) {
            n += r == LOADED ? 0 : 1;
        }
        return n;
    }
}
