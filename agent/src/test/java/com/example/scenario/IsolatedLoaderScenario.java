package com.example.scenario;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * A web-application style, child-first class loader: the pool, the driver and the application
 * class are loaded by it, not by the system class loader, as in a servlet container. The agent
 * must weave the pool there and its woven code must still find the agent's classes.
 *
 * <p>Usage: {@code IsolatedLoaderScenario APP_CLASSES_DIR JAR... -- ARGS for PoolScenario}.
 */
public final class IsolatedLoaderScenario {

    private IsolatedLoaderScenario() {
    }

    public static void main(String[] args) throws Exception {
        List<URL> urls = new ArrayList<>();
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++) {
            urls.add(new File(args[i]).toURI().toURL());
        }
        String[] rest = java.util.Arrays.copyOfRange(args, i + 1, args.length);
        try (ChildFirst loader = new ChildFirst(urls.toArray(new URL[0]), IsolatedLoaderScenario.class.getClassLoader())) {
            Class<?> app = loader.loadClass("com.example.scenario.PoolScenario");
            if (app.getClassLoader() != loader) {
                throw new IllegalStateException("the application class must come from the isolated loader");
            }
            Class<?> pool = loader.loadClass("com.zaxxer.hikari.HikariDataSource");
            System.out.println("POOL-LOADER " + (pool.getClassLoader() == loader ? "isolated" : "other"));
            app.getMethod("main", String[].class).invoke(null, (Object) rest);
        }
    }

    /** Looks in its own jars first, like a servlet container's web-application loader. */
    static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL[] urls, ClassLoader parent) {
            super("webapp", urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && !name.startsWith("java.") && !name.startsWith("javax.") && !name.equals(IsolatedLoaderScenario.class.getName())
                        && !name.startsWith(ChildFirst.class.getName())) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException notHere) {
                        // fall back to the parent
                    }
                }
                if (c == null) {
                    c = super.loadClass(name, false);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }
}
