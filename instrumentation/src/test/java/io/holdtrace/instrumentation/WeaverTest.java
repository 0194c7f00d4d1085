package io.holdtrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.holdtrace.instrumentation.Hook.call;

import io.holdtrace.bootstrap.Faults;
import io.holdtrace.bootstrap.HookProbe;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import com.example.weaving.Fixtures.Named;
import com.example.weaving.Fixtures.PartConnection;
import com.example.weaving.Fixtures.Quiet;
import com.example.weaving.Fixtures.SubConnection;
import com.example.weaving.Fixtures.Unrelated;
import org.junit.jupiter.api.Test;

/** The weaver's decisions (on classes outside io.holdtrace, which it never weaves), by name and by supertype, and what it does to the classes it takes. */
public class WeaverTest {

    public static final AtomicInteger CLOSES = new AtomicInteger();

    static final class CloseAdvice {
        @Advice.OnMethodEnter
        static void enter() {
            CLOSES.incrementAndGet();
        }
    }

    private static final Weave.Change COUNT_CLOSES =
            (b, type) -> b.visit(Advice.to(CloseAdvice.class).on(named("close")));

    private static Weaver weaver(Weave... weaves) {
        return new Weaver(List.of(weaves), ClassFileLocator.NoOp.INSTANCE);
    }

    private static Weave connections() {
        return Weave.subtypes("java.sql.Connection", new String[] {"close", "commit"}, COUNT_CLOSES)
                .except("com.example.weaving.Fixtures$Sub");
    }

    private static byte[] bytesOf(Class<?> c) throws IOException {
        try (InputStream in = c.getClassLoader().getResourceAsStream(c.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    private static byte[] transform(Weaver w, Class<?> c) throws IOException {
        return w.transform(c.getClassLoader(), c.getName().replace('.', '/'), null, null, bytesOf(c));
    }

    @Test
    void wovenByNameAndTheAdviceRuns() throws Exception {
        Weaver w = weaver(Weave.named(COUNT_CLOSES, Named.class.getName()));
        byte[] woven = transform(w, Named.class);
        assertNotNull(woven);
        Class<?> c = new OneClassLoader(Named.class.getName(), woven).loadClass(Named.class.getName());
        assertTrue(c != Named.class);
        Object o = c.getDeclaredConstructor().newInstance();
        int before = CLOSES.get();
        assertEquals(1, c.getMethod("close").invoke(o), "the method's own behaviour stays");
        assertEquals(before + 1, CLOSES.get(), "the advice ran");
        assertNull(transform(w, Unrelated.class), "another class is left alone");
    }

    @Test
    void theClassIsDescribedFromTheBytesGivenNotFromItsLoadersResources() throws Exception {
        Weaver w = weaver(Weave.named(COUNT_CLOSES, Named.class.getName()));
        assertNotNull(transform(w, Named.class)); // its loader's version: described, and its supertypes kept
        // an earlier transformer gave it an interface (as HikariSlotFields does): the weave keeps it
        byte[] reshaped = new ByteBuddy().redefine(Named.class).implement(java.io.Serializable.class).make().getBytes();
        byte[] woven = w.transform(Named.class.getClassLoader(), Named.class.getName().replace('.', '/'), null, null, reshaped);
        Class<?> c = new OneClassLoader(Named.class.getName(), woven).loadClass(Named.class.getName());
        assertTrue(java.io.Serializable.class.isAssignableFrom(c), "the interface the bytes had");
    }

    /**
     * The modules' shape changes are made by the weaver itself, before its weaves: the weave sees
     * (and keeps) what the change added, and a class no weave takes still gets the change.
     */
    @Test
    void aShapeChangeIsMadeFirstAndKeptWovenOrNot() throws Exception {
        List<String> seen = new java.util.ArrayList<>();
        java.lang.instrument.ClassFileTransformer serializable = new java.lang.instrument.ClassFileTransformer() {
            @Override
            public byte[] transform(ClassLoader l, String name, Class<?> redefined, java.security.ProtectionDomain d, byte[] b) {
                seen.add(name);
                if (!name.startsWith("com/example/weaving/")) {
                    return null;
                }
                Class<?> type = Named.class.getName().equals(name.replace('/', '.')) ? Named.class : Unrelated.class;
                return new ByteBuddy().redefine(type).implement(java.io.Serializable.class).make().getBytes();
            }
        };
        Weaver w = new Weaver(List.of(Weave.named(COUNT_CLOSES, Named.class.getName())), List.of(serializable),
                ClassFileLocator.NoOp.INSTANCE);
        byte[] woven = transform(w, Named.class);
        Class<?> c = new OneClassLoader(Named.class.getName(), woven).loadClass(Named.class.getName());
        assertTrue(java.io.Serializable.class.isAssignableFrom(c), "the shape change's interface");
        int before = CLOSES.get();
        c.getMethod("close").invoke(c.getDeclaredConstructor().newInstance());
        assertEquals(before + 1, CLOSES.get(), "and the weave's advice");

        byte[] shapedOnly = transform(w, Unrelated.class);
        assertNotNull(shapedOnly, "no weave takes it, the shape change still applies");
        Class<?> u = new OneClassLoader(Unrelated.class.getName(), shapedOnly).loadClass(Unrelated.class.getName());
        assertTrue(java.io.Serializable.class.isAssignableFrom(u));
        assertNull(w.transform(null, "java/lang/Thread", null, null, bytesOf(Named.class)), "a class neither changes");
        assertEquals(List.of(Named.class.getName().replace('.', '/'), Unrelated.class.getName().replace('.', '/'), "java/lang/Thread"),
                seen, "the shape change is called for every class, once");
    }

    @Test
    void aSubtypeIsWovenOnlyIfItDeclaresOneOfTheMethods() throws Exception {
        Weaver w = weaver(connections());
        assertNotNull(transform(w, PartConnection.class));
        assertNull(transform(w, Quiet.class), "declares none of the methods");
        assertNull(transform(w, Unrelated.class), "declares close but is no connection");
        assertNull(w.transform(null, "java/io/ByteArrayOutputStream", null, null, bytesOf(Named.class)),
                "the boot loader's classes are matched by name only");
        byte[] iface;
        try (InputStream in = ClassLoader.getSystemResourceAsStream("java/sql/Connection.class")) {
            iface = in.readAllBytes();
        }
        assertNull(w.transform(getClass().getClassLoader(), "java/sql/Connection", null, null, iface), "an interface");
    }

    @Test
    void exceptLeavesOutAPrefixAndWithinKeepsOnlyOne() throws Exception {
        assertNull(transform(weaver(connections()), SubConnection.class), "excepted by its name");
        Weave within = Weave.subtypes("java.sql.Connection", new String[] {"commit"}, COUNT_CLOSES)
                .within("com.example.weaving.Fixtures$Sub");
        assertNotNull(transform(weaver(within), SubConnection.class), "a supertype read from its loader's resources");
        assertNull(transform(weaver(within), PartConnection.class), "outside the prefix");
    }

    @Test
    void aSupertypeThatCannotBeReadMakesNoMatch() throws Exception {
        ClassLoader empty = new ClassLoader(null) {
        };
        Weaver w = weaver(Weave.subtypes("java.sql.Connection", new String[] {"commit"}, COUNT_CLOSES));
        assertNotNull(transform(w, SubConnection.class), "its own loader reads the supertype");
        assertNull(w.transform(empty, SubConnection.class.getName().replace('.', '/'), null, null, bytesOf(SubConnection.class)),
                "a loader that cannot");
        int faults = Faults.count();
        assertNull(w.transform(empty, "x/Y", null, null, new byte[] {1, 2, 3}), "not a class file: no exception");
        assertNull(w.transform(empty, "x/Z", null, null, java.util.Arrays.copyOf(bytesOf(SubConnection.class), 100)),
                "a truncated one");
        assertEquals(faults, Faults.count(), "the JVM rejects those itself: not the agent's faults");
    }

    @Test
    void aFailingChangeLeavesTheClassAsItIsAndIsCounted() throws Exception {
        Weaver w = weaver(Weave.named((b, type) -> {
            throw new IllegalStateException("boom");
        }, Named.class.getName()));
        int faults = Faults.count();
        assertNull(transform(w, Named.class));
        assertEquals(faults + 1, Faults.count());
    }

    private static final Hook CLOSE_HOOK = Hook.on("close").enter(call(HookProbe.class, "first", "()V"));

    @Test
    void hooksAreWovenWithoutByteBuddyAndByteBuddysWarmUpWaitsForAClassOfItsOwn() throws Exception {
        HookProbe.take();
        Weave advised = Weave.named(COUNT_CLOSES, "com.example.advised.Client");
        Weaver w = weaver(Weave.named(List.of(CLOSE_HOOK), Named.class.getName()), advised);
        w.warmUp();
        byte[] woven = transform(w, Named.class);
        assertNotNull(woven);
        Class<?> c = new OneClassLoader(Named.class.getName(), woven).loadClass(Named.class.getName());
        assertEquals(1, c.getMethod("close").invoke(c.getDeclaredConstructor().newInstance()));
        assertEquals(List.of("first[]"), HookProbe.take(), "the hook ran");
        assertFalse(w.warmedUp(), "no Byte Buddy weave's package seen yet");
        assertNull(w.transform(getClass().getClassLoader(), "com/example/advised/Other", null, null, bytesOf(Unrelated.class)));
        assertTrue(w.warmedUp(), "a class of the package Byte Buddy weaves in starts it");
        Weaver subtypes = weaver(connections());
        assertFalse(subtypes.warmedUp());
        subtypes.warmUp();
        assertTrue(subtypes.warmedUp(), "a Byte Buddy subtype weave may need it for any class: at once");
        Weaver hooksOnly = weaver(Weave.subtypes("java.sql.Connection", List.of(CLOSE_HOOK)));
        hooksOnly.warmUp();
        assertNotNull(transform(hooksOnly, PartConnection.class), "a subtype declaring close");
        assertFalse(hooksOnly.warmedUp(), "hooks alone never need Byte Buddy");
    }

    @Test
    void aWeaveCanDependOnAnInterfaceTheClassDeclares() throws Exception {
        HookProbe.take();
        Weave ifSerializable = Weave.named(List.of(CLOSE_HOOK), Named.class.getName()).ifDeclares("java.io.Serializable");
        Weave unlessSerializable = Weave.named(List.of(Hook.on("close").enter(call(HookProbe.class, "second", "()V"))),
                Named.class.getName()).unlessDeclares("java.io.Serializable");
        Weaver w = weaver(ifSerializable, unlessSerializable);
        byte[] reshaped = new ByteBuddy().redefine(Named.class).implement(java.io.Serializable.class).make().getBytes();
        for (byte[] bytes : List.of(bytesOf(Named.class), reshaped)) {
            byte[] woven = w.transform(Named.class.getClassLoader(), Named.class.getName().replace('.', '/'), null, null, bytes);
            Class<?> c = new OneClassLoader(Named.class.getName(), woven).loadClass(Named.class.getName());
            c.getMethod("close").invoke(c.getDeclaredConstructor().newInstance());
        }
        assertEquals(List.of("second[]", "first[]"), HookProbe.take(), "one weave each: the plain class, then the one declaring the interface");
    }

    @Test
    void aClassAHookDoesNotFitIsLeftAsItIs() throws Exception {
        Weaver w = weaver(Weave.named(List.of(Hook.on("close").enter(call(HookProbe.class, "argument", "(Ljava/lang/Object;)V",
                Hook.field("nope")))), Named.class.getName()));
        int faults = Faults.count();
        assertNull(transform(w, Named.class));
        assertEquals(faults, Faults.count(), "another shape of the class is no fault of the agent");
    }

    @Test
    void theWarmUpWeaveSucceeds() throws Exception {
        assertNotNull(WarmUp.run(weaver()), "it fails silently in the agent: a broken warm-up would only cost time");
        byte[] hooked = WarmUp.runHooks();
        assertNotNull(hooked, "the hook weaver's warm-up weaves every kind of call: entry, exit, exit or throw");
        String template = WarmUp.class.getName() + "$Template";
        Class<?> woven = Class.forName(template, true, new OneClassLoader(template, hooked)); // linked: verified
        assertNotNull(woven, "and its result is a class the JVM defines and verifies");
        Object t = instance(woven);
        assertEquals(0L, method(woven, "close").invoke(t), "woven, it runs (close first: its hook ignores a stamp of 0)");
        assertEquals("x", method(woven, "open", String.class).invoke(t, "x"));
        Class<?> plain = Class.forName(template, true, new OneClassLoader(template, WarmUp.template()));
        Object p = instance(plain);
        method(plain, "open", String.class).invoke(p, "y");
        method(plain, "open", String.class).invoke(p, "z");
        assertEquals(2L, method(plain, "close").invoke(p), "the template made with ASM is the class its doc shows");
    }

    private static Object instance(Class<?> c) throws Exception {
        java.lang.reflect.Constructor<?> k = c.getDeclaredConstructor();
        k.setAccessible(true);
        return k.newInstance();
    }

    private static java.lang.reflect.Method method(Class<?> c, String name, Class<?>... params) throws Exception {
        java.lang.reflect.Method m = c.getDeclaredMethod(name, params);
        m.setAccessible(true);
        return m;
    }

    @Test
    void loadedClassesItAppliesTo() {
        Weaver w = weaver(connections(), Weave.named(COUNT_CLOSES, Named.class.getName()));
        assertTrue(w.applies(PartConnection.class));
        assertTrue(w.applies(Quiet.class), "by its loaded supertypes (retransforming it changes nothing, harmlessly)");
        assertFalse(w.applies(SubConnection.class), "excepted");
        assertFalse(w.applies(Unrelated.class));
        assertFalse(w.applies(Connection.class), "an interface");
        assertTrue(w.applies(Named.class));
        assertFalse(w.applies(int[].class));
    }
}
