package io.holdtrace.perf.stub;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;

/**
 * The stub driver's Connection, Statement and ResultSet: dynamic proxies answering every call
 * with a neutral value: false, 0, null, or another such proxy for a {@code java.sql} interface
 * (a statement from {@code prepareStatement}, an empty result set from {@code executeQuery}).
 *
 * <p>Proxies rather than hand-written classes because these interfaces have some 300 methods
 * between them and the measurement needs none of them: in a get+close cycle HikariCP does not
 * call the physical connection at all (it validates only connections idle for over 500 ms and
 * resets only state the application changed). Where a benchmark does reach it (creating and
 * closing a statement), every arm pays the same few nanoseconds.
 */
final class Stubs {

    private static final ClassLoader LOADER = Stubs.class.getClassLoader();

    private Stubs() {
    }

    static Connection connection() {
        return proxy(Connection.class);
    }

    private static <T> T proxy(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(LOADER, new Class<?>[] {type}, HANDLER));
    }

    private static final InvocationHandler HANDLER = new InvocationHandler() {
        @Override
        public Object invoke(Object self, Method m, Object[] args) {
            Class<?> r = m.getReturnType();
            if (r == void.class) {
                return null; // first: HikariCP calls clearWarnings() on every return
            }
            switch (m.getName()) {
                case "equals":
                    return self == args[0];
                case "hashCode":
                    return System.identityHashCode(self);
                case "toString":
                    return "stub " + r.getSimpleName();
                case "isValid":
                case "getAutoCommit": // a fresh connection is in auto-commit mode, as JDBC says
                    return Boolean.TRUE;
                case "unwrap":
                    return self;
                default:
                    break;
            }
            if (r.isInterface() && r.getPackageName().equals("java.sql")) {
                return proxy(r); // statements, an empty result set (next() is false), metadata
            }
            return neutral(r);
        }
    };

    private static Object neutral(Class<?> r) {
        if (!r.isPrimitive()) {
            return null;
        }
        if (r == boolean.class) {
            return Boolean.FALSE;
        }
        if (r == char.class) {
            return (char) 0;
        }
        if (r == long.class) {
            return 0L;
        }
        if (r == double.class) {
            return 0d;
        }
        if (r == float.class) {
            return 0f;
        }
        if (r == byte.class) {
            return (byte) 0;
        }
        if (r == short.class) {
            return (short) 0;
        }
        return 0;
    }
}
