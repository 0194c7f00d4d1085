package io.holdtrace.instrumentation;

import static io.holdtrace.instrumentation.Hook.ENTERED;
import static io.holdtrace.instrumentation.Hook.RETURNED;
import static io.holdtrace.instrumentation.Hook.THIS;
import static io.holdtrace.instrumentation.Hook.THROWN;
import static io.holdtrace.instrumentation.Hook.argument;
import static io.holdtrace.instrumentation.Hook.call;
import static io.holdtrace.instrumentation.Hook.constant;
import static io.holdtrace.instrumentation.Hook.field;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.hooks.Sub;
import com.example.hooks.Target;
import io.holdtrace.bootstrap.HookProbe;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hooks woven with plain ASM: the calls happen with the values they name, the methods behave as
 * before (loops, handlers, wide locals, several returns, a throw), the JVM verifies the result,
 * and a hook that does not fit a class leaves it unchanged.
 */
public class HookWeaverTest {

    private static final String ENTER = "(Ljava/lang/Object;Ljava/lang/String;I)Ljava/lang/Object;";
    private static final String EXIT = "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Throwable;)V";

    @BeforeEach
    void clear() {
        HookProbe.take();
    }

    private static byte[] bytesOf(Class<?> c) throws IOException {
        try (InputStream in = c.getClassLoader().getResourceAsStream(c.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    private static Class<?> woven(Class<?> c, Hook... hooks) throws Exception {
        byte[] out = HookWeaver.weave(bytesOf(c), List.of(hooks));
        assertNotNull(out, "woven");
        return new OneClassLoader(c.getName(), out).loadClass(c.getName());
    }

    private static Object invoke(Object target, Class<?> c, String name, Object... args) throws Throwable {
        for (Method m : c.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                try {
                    return m.invoke(target, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
        }
        throw new NoSuchMethodException(name);
    }

    private static Hook greetHook() {
        return Hook.on("greet", "fail").arguments(2)
                .enter(call(HookProbe.class, "enter", ENTER, THIS, argument(0), argument(1)))
                .exitOrThrow(call(HookProbe.class, "exit", EXIT, ENTERED, RETURNED, THROWN));
    }

    @Test
    void entryAndExitCallsGetTheirValuesAndTheMethodBehavesAsBefore() throws Throwable {
        Class<?> c = woven(Target.class, greetHook());
        Object t = c.getDeclaredConstructor().newInstance();
        assertEquals("ho ho ho", invoke(t, c, "greet", "ho", 3));
        assertEquals(List.of("enter[this, ho, 3]", "exit[token:ho, ho ho ho, null]"), HookProbe.take());
        assertEquals(1, invoke(t, c, "count"), "the body ran once");
    }

    @Test
    void aThrowReachesTheExitWithTheThrowableAndIsRethrownAsItWas() throws Throwable {
        Class<?> c = woven(Target.class, greetHook());
        Object t = c.getDeclaredConstructor().newInstance();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> invoke(t, c, "fail", "no", -1));
        assertEquals("no", e.getMessage());
        assertEquals(List.of("enter[this, no, -1]", "exit[token:no, null, IllegalArgumentException]"), HookProbe.take());
        assertEquals("yes", invoke(t, c, "fail", "yes", 1));
        assertEquals(List.of("enter[this, yes, 1]", "exit[token:yes, yes, null]"), HookProbe.take());
    }

    @Test
    void anExitThatIsNotOnThrowableRunsAtNormalReturnsOnly() throws Throwable {
        Class<?> c = woven(Target.class, Hook.on("touch").arguments(2)
                .exit(call(HookProbe.class, "argument", "(Ljava/lang/Object;)V", argument(0))));
        Object t = c.getDeclaredConstructor().newInstance();
        invoke(t, c, "touch", "ok", 2);
        assertThrows(NullPointerException.class, () -> invoke(t, c, "touch", null, 3));
        assertEquals(List.of("argument[ok]"), HookProbe.take(), "only the normal return was seen");
        assertEquals(5, invoke(t, c, "count"), "a synchronized method runs both times, and its monitor is released");
    }

    @Test
    void wideLocalsLoopsAndHandlersVerifyAndComputeTheSame() throws Throwable {
        Hook hook = Hook.on("sum").arguments(3)
                .enter(call(HookProbe.class, "enterLong", "()J"))
                .exitOrThrow(call(HookProbe.class, "exitLong", "(JJLjava/lang/Throwable;)V", ENTERED, RETURNED, THROWN));
        Hook ratio = Hook.on("ratio").exit(call(HookProbe.class, "exitDouble", "(D)V", RETURNED));
        Class<?> c = woven(Target.class, hook, ratio);
        Object t = c.getDeclaredConstructor().newInstance();
        Target plain = new Target();
        assertEquals(plain.sum(7L, 1.5, 10), invoke(t, c, "sum", 7L, 1.5, 10));
        assertEquals(plain.count(), invoke(t, c, "count"), "the finally block ran as often");
        assertEquals(List.of("enterLong[]", "exitLong[42, " + plain.sum(7L, 1.5, 10) + ", null]"), HookProbe.take());
        assertEquals(-1L, invoke(t, c, "sum", 1_000_000L, 2.0, 5), "the early return inside the loop");
        assertEquals(List.of("enterLong[]", "exitLong[42, -1, null]"), HookProbe.take());
        assertEquals(0.5, invoke(t, c, "ratio", 1.0, 2.0));
        assertEquals(List.of("exitDouble[0.5]"), HookProbe.take());
    }

    @Test
    void fieldsConstantsAndSeveralHooksOnOneMethodInOrder() throws Throwable {
        Hook first = Hook.on("greet").enter(call(HookProbe.class, "first", "()V"))
                .exit(call(HookProbe.class, "exitFirst", "()V"));
        Hook second = Hook.on("greet").enter(call(HookProbe.class, "second", "()V"))
                .exit(call(HookProbe.class, "field", "(Ljava/lang/Object;Ljava/lang/String;I)V", THIS, field("label"), field("count")));
        Hook constants = Hook.on("greet").exit(call(HookProbe.class, "field", "(Ljava/lang/Object;Ljava/lang/String;I)V",
                THIS, constant("k"), constant(7)));
        Class<?> c = woven(Target.class, first, second, constants);
        Object t = c.getDeclaredConstructor().newInstance();
        invoke(t, c, "greet", "a", 1);
        assertEquals(List.of("first[]", "second[]", "field[this, k, 7]", "field[this, target, 1]", "exitFirst[]"), HookProbe.take(),
                "entries in order, exits the last hook's first; the field read at the exit (count was incremented)");
    }

    @Test
    void staticMethodsGetTheirArguments() throws Throwable {
        Class<?> c = woven(Target.class, Hook.on("words").arguments(2)
                .enter(call(HookProbe.class, "argument", "(Ljava/lang/Object;)V", argument(0)))
                .exit(call(HookProbe.class, "argument", "(Ljava/lang/Object;)V", RETURNED)));
        assertEquals(List.of("a", "b"), invoke(null, c, "words", "a b c", 2));
        assertEquals(List.of("argument[a b c]", "argument[[a, b]]"), HookProbe.take());
    }

    @Test
    void hooksThatDoNotFitLeaveTheClassAsItIs() throws Exception {
        byte[] bytes = bytesOf(Target.class);
        assertThrows(HookWeaver.Refused.class, () -> HookWeaver.weave(bytes, List.of(Hook.on("greet")
                .enter(call(HookProbe.class, "argument", "(Ljava/lang/Object;)V", field("missing"))))), "a field it does not declare");
        assertThrows(HookWeaver.Refused.class, () -> HookWeaver.weave(bytes, List.of(Hook.on("greet")
                .enter(call(HookProbe.class, "wrongType", "(Ljava/lang/String;)V", argument(1))))), "an int where a String is taken");
        assertThrows(HookWeaver.Refused.class, () -> HookWeaver.weave(bytes, List.of(Hook.on("touch")
                .exit(call(HookProbe.class, "argument", "(Ljava/lang/Object;)V", RETURNED)))), "a void method's return value");
        assertThrows(HookWeaver.Refused.class, () -> HookWeaver.weave(bytes, List.of(Hook.on("words")
                .enter(call(HookProbe.class, "argument", "(Ljava/lang/Object;)V", THIS)))), "this in a static method");
        assertThrows(HookWeaver.Refused.class, () -> HookWeaver.weave(bytes, List.of(Hook.on("greet")
                .enter(call(HookProbe.class, "argument", "(Ljava/lang/Object;)V", argument(5))))), "an argument it does not have");
        assertNull(HookWeaver.weave(bytes, List.of(Hook.on("nothing").enter(call(HookProbe.class, "first", "()V")))),
                "no method of that name: nothing to weave");
        assertNull(HookWeaver.weave(bytes, List.of(Hook.on("greet").arguments(3).enter(call(HookProbe.class, "first", "()V")))),
                "no method of that arity");
    }

    @Test
    void bridgesAbstractMethodsAndConstructorsAreNotHooked() throws Throwable {
        Hook make = Hook.on("make", "<init>").enter(call(HookProbe.class, "first", "()V"));
        byte[] out = HookWeaver.weave(bytesOf(Sub.class), List.of(make));
        assertNotNull(out);
        assertEquals(1, callsTo(out, "first"), "the String make() only, not its Object make() bridge nor the constructor");
        assertNull(HookWeaver.weave(bytesOf(com.example.hooks.Base.class), List.of(make)), "an abstract method has no body");
        Class<?> c = new OneClassLoader(Sub.class.getName(), out).loadClass(Sub.class.getName());
        Object s = c.getDeclaredConstructor().newInstance();
        assertEquals("sub", c.getMethod("make").invoke(s));
        assertEquals(List.of("first[]"), HookProbe.take(), "through the bridge too, once");
    }

    @Test
    void theMethodsNoHookAppliesToAreCopiedUnchanged() throws Exception {
        byte[] bytes = bytesOf(Target.class);
        byte[] out = HookWeaver.weave(bytes, List.of(Hook.on("ratio").exit(call(HookProbe.class, "exitDouble", "(D)V", RETURNED))));
        assertSame(null, HookWeaver.weave(out, List.of(Hook.on("nothing").enter(call(HookProbe.class, "first", "()V")))));
        assertEquals(code(bytes, "greet"), code(out, "greet"));
        assertEquals(code(bytes, "sum"), code(out, "sum"));
        assertTrue(code(out, "ratio").length() > code(bytes, "ratio").length());
    }

    /** Invocations of HookProbe.{@code name} in the class. */
    private static int callsTo(byte[] bytes, String name) {
        int[] n = {0};
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String m, String d, String s, String[] e) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int op, String owner, String called, String desc, boolean itf) {
                        if (owner.endsWith("HookProbe") && called.equals(name)) {
                            n[0]++;
                        }
                    }
                };
            }
        }, 0);
        return n[0];
    }

    /** The opcodes of a method, as text. */
    private static String code(byte[] bytes, String method) {
        StringBuilder sb = new StringBuilder();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String m, String d, String s, String[] e) {
                if (!m.equals(method)) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitInsn(int op) {
                        sb.append(op).append(' ');
                    }

                    @Override
                    public void visitVarInsn(int op, int var) {
                        sb.append(op).append(':').append(var).append(' ');
                    }

                    @Override
                    public void visitMethodInsn(int op, String owner, String name, String desc, boolean itf) {
                        sb.append(name).append(' ');
                    }
                };
            }
        }, 0);
        return sb.toString();
    }
}
