package io.holdtrace.instrumentation;

import static io.holdtrace.instrumentation.Hook.call;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.weaving.Fixtures.Named;
import com.example.weaving.Fixtures.PartConnection;
import com.example.weaving.Fixtures.Unrelated;
import io.holdtrace.bootstrap.Faults;
import io.holdtrace.bootstrap.HookProbe;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

/**
 * Weaving ahead ({@link Ahead}): what a class is given at its load is what the weaver makes of
 * its bytes as it loads, whether it was made ahead, on the weaver's thread, or not.
 */
public class AheadTest {

    private static final String NAMED = Named.class.getName().replace('.', '/');
    private static final Hook CLOSE_HOOK = Hook.on("close").enter(call(HookProbe.class, "first", "()V"));

    /** A shape change that tells which threads changed {@link Named}, and may fail. */
    static final class Shapes implements ClassFileTransformer {
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());
        volatile boolean fail;

        @Override
        public byte[] transform(ClassLoader l, String name, Class<?> redefined, ProtectionDomain d, byte[] b) {
            if (!NAMED.equals(name)) {
                return null;
            }
            threads.add(Thread.currentThread().getName());
            if (fail) {
                throw new IllegalStateException("boom");
            }
            return serializable(b);
        }

        /** The class, from these bytes, declaring Serializable too. */
        static byte[] serializable(byte[] bytes) {
            ClassReader reader = new ClassReader(bytes);
            ClassWriter writer = new ClassWriter(reader, 0);
            reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
                @Override
                public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                    String[] more = java.util.Arrays.copyOf(interfaces, interfaces.length + 1);
                    more[interfaces.length] = "java/io/Serializable";
                    super.visit(version, access, name, signature, superName, more);
                }
            }, 0);
            return writer.toByteArray();
        }

        long on(String thread) {
            return threads.stream().filter(thread::equals).count();
        }
    }

    private static List<Weave> weaves() {
        return List.of(Weave.named(List.of(CLOSE_HOOK), Named.class.getName()),
                Weave.subtypes("java.sql.Connection", List.of(CLOSE_HOOK)));
    }

    private static Weaver aheadWeaver(Shapes shapes, List<Weave> weaves, long maxBytes, long idleMillis) {
        Weaver w = new Weaver(weaves, List.of(shapes), ClassFileLocator.NoOp.INSTANCE);
        w.weaveAhead(new Ahead(w, w.aheadNames(List.of(PartConnection.class.getName())), false, maxBytes,
                TimeUnit.MILLISECONDS.toNanos(idleMillis)));
        return w;
    }

    private static byte[] bytesOf(Class<?> c) throws IOException {
        try (InputStream in = c.getClassLoader().getResourceAsStream(c.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    private static byte[] transform(Weaver w, Class<?> c) throws IOException {
        return w.transform(c.getClassLoader(), c.getName().replace('.', '/'), null, null, bytesOf(c));
    }

    /** Defines com.example classes: starts the work for their library, through the tests' loader. */
    private static void defineALibraryClass(Weaver w) throws Exception {
        assertNull(transform(w, Unrelated.class), "a class no weave takes");
        assertTrue(w.ahead().awaitDone(1, 30_000), "the library's classes done");
    }

    @Test
    void aClassWovenAheadIsGivenAtItsLoadOnceAsItWouldHaveBeenWovenThen() throws Exception {
        Shapes plainShapes = new Shapes();
        byte[] expected = transform(new Weaver(weaves(), List.of(plainShapes), ClassFileLocator.NoOp.INSTANCE), Named.class);
        byte[] expectedSubtype = transform(new Weaver(weaves(), List.of(plainShapes), ClassFileLocator.NoOp.INSTANCE),
                PartConnection.class);
        assertNotNull(expected);
        assertNotNull(expectedSubtype);

        Shapes shapes = new Shapes();
        Weaver w = aheadWeaver(shapes, weaves(), Ahead.MAX_BYTES, 60_000);
        defineALibraryClass(w);
        assertEquals(2, w.ahead().waiting(), "the named class and the likely subtype");
        assertEquals(1, shapes.on("holdtrace-weave-ahead"), "made on the weaver's own thread");

        String me = Thread.currentThread().getName();
        assertArrayEquals(expected, transform(w, Named.class), "the same class as woven at its load");
        assertEquals(0, shapes.on(me), "and not made again on the loading thread");
        assertArrayEquals(expectedSubtype, transform(w, PartConnection.class));
        assertEquals(0, w.ahead().waiting());

        HookProbe.take();
        byte[] woven = transform(w, Named.class); // defined again (another loader of the same name): woven then
        assertArrayEquals(expected, woven);
        assertEquals(1, shapes.on(me));
        Class<?> c = new OneClassLoader(Named.class.getName(), woven).loadClass(Named.class.getName());
        c.getMethod("close").invoke(c.getDeclaredConstructor().newInstance());
        assertEquals(List.of("first[]"), HookProbe.take(), "the hook runs");
        assertTrue(java.io.Serializable.class.isAssignableFrom(c), "on the shape changed");
    }

    @Test
    void otherBytesAnotherLoaderOrARetransformationAreWovenAsTheyCome() throws Exception {
        byte[] reshaped = new ByteBuddy().redefine(Named.class).name(Named.class.getName())
                .defineField("extra", int.class).make().getBytes();
        Shapes shapes = new Shapes();
        Weaver w = aheadWeaver(shapes, weaves(), Ahead.MAX_BYTES, 60_000);
        defineALibraryClass(w);
        String me = Thread.currentThread().getName();

        byte[] other = w.transform(Named.class.getClassLoader(), NAMED, null, null, reshaped);
        assertEquals(1, shapes.on(me), "other bytes (another transformer's before): woven at the load");
        Class<?> c = new OneClassLoader(Named.class.getName(), other).loadClass(Named.class.getName());
        assertNotNull(c.getDeclaredField("extra"), "from the bytes given");
        assertTrue(java.io.Serializable.class.isAssignableFrom(c), "shaped and woven");

        Weaver w2 = aheadWeaver(shapes, weaves(), Ahead.MAX_BYTES, 60_000);
        defineALibraryClass(w2);
        ClassLoader another = new ClassLoader(getClass().getClassLoader()) { };
        w2.transform(another, NAMED, null, null, bytesOf(Named.class));
        assertEquals(2, shapes.on(me), "another loader: woven at the load");

        Weaver w3 = aheadWeaver(shapes, weaves(), Ahead.MAX_BYTES, 60_000);
        defineALibraryClass(w3);
        w3.transform(Named.class.getClassLoader(), NAMED, Named.class, null, bytesOf(Named.class));
        assertEquals(3, shapes.on(me), "a retransformation: woven then");
    }

    @Test
    void aFaultAheadIsNotReportedAndTheClassLoadingReportsIt() throws Exception {
        Shapes shapes = new Shapes();
        shapes.fail = true;
        Weaver w = aheadWeaver(shapes, weaves(), Ahead.MAX_BYTES, 60_000);
        int faults = Faults.count();
        defineALibraryClass(w);
        assertEquals(1, shapes.on("holdtrace-weave-ahead"), "tried ahead");
        assertEquals(faults, Faults.count(), "not reported: the class may never load");
        assertEquals(1, w.ahead().waiting(), "only the subtype kept");
        assertFalse(w.ahead().waiting(NAMED));
        transform(w, Named.class);
        assertEquals(faults + 1, Faults.count(), "reported as the class loads");
    }

    @Test
    void aByteBuddyWeaveIsLeftToTheLoad() throws Exception {
        Weave.Change change = (b, type) -> b.visit(Advice.to(WeaverTest.CloseAdvice.class).on(named("close")));
        Weaver w = aheadWeaver(new Shapes(), List.of(Weave.named(change, Named.class.getName())), Ahead.MAX_BYTES, 60_000);
        defineALibraryClass(w);
        assertTrue(w.ahead().waiting(PartConnection.class.getName().replace('.', '/')), "done ahead: no weave takes it");
        assertFalse(w.ahead().waiting(NAMED), "Byte Buddy's first use is not paid ahead");
        assertNotNull(transform(w, Named.class), "woven as it loads");
    }

    @Test
    void boundedInMemoryAndInTime() throws Exception {
        Weaver small = aheadWeaver(new Shapes(), weaves(), 1, 60_000);
        defineALibraryClass(small);
        assertEquals(0, small.ahead().waiting(), "nothing kept past the bound");

        Weaver idle = aheadWeaver(new Shapes(), weaves(), Ahead.MAX_BYTES, 200);
        defineALibraryClass(idle);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (idle.ahead().waiting() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, idle.ahead().waiting(), "dropped once idle");
        Shapes shapes = new Shapes();
        Weaver again = aheadWeaver(shapes, weaves(), Ahead.MAX_BYTES, 200);
        defineALibraryClass(again);
        transform(again, Unrelated.class); // the same loader and library: not done twice
        Thread.sleep(100);
        assertEquals(1, shapes.on("holdtrace-weave-ahead"));
    }

    @Test
    void librariesAndTheNamesLeftOut() {
        assertEquals("org/springframework/", Ahead.library("org/springframework/beans/factory/support/DefaultListableBeanFactory"));
        assertEquals("okhttp3/", Ahead.library("okhttp3/RealCall"));
        Weaver w = new Weaver(List.of(), ClassFileLocator.NoOp.INSTANCE);
        assertTrue(new Ahead(w, List.of("jdk.internal.net.http.HttpClientImpl", "java.net.HttpURLConnection", "sun.net.X"), false)
                .isEmpty(), "the platform's classes are no loader's resources");
    }
}
