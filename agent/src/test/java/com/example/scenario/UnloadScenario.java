package com.example.scenario;

import java.io.File;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;

/**
 * Redeploys a web application, as a servlet container does: the pool and the application live in
 * a class loader that is dropped after use. The agent must not keep that loader alive.
 *
 * <p>Usage: {@code UnloadScenario APP_CLASSES_DIR JAR... -- ARGS for PoolScenario}.
 */
public final class UnloadScenario {

    private UnloadScenario() {
    }

    public static void main(String[] args) throws Exception {
        List<URL> urls = new ArrayList<>();
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++) {
            urls.add(new File(args[i]).toURI().toURL());
        }
        String[] rest = java.util.Arrays.copyOfRange(args, i + 1, args.length);
        WeakReference<ClassLoader> loader = deployRunAndUndeploy(urls.toArray(new URL[0]), rest);
        for (int n = 0; n < 100 && loader.get() != null; n++) {
            System.gc();
            Thread.sleep(100);
        }
        System.out.println("LOADER-COLLECTED " + (loader.get() == null));
    }

    private static WeakReference<ClassLoader> deployRunAndUndeploy(URL[] urls, String[] args) throws Exception {
        IsolatedLoaderScenario.ChildFirst webapp = new IsolatedLoaderScenario.ChildFirst(urls, UnloadScenario.class.getClassLoader());
        Class<?> app = webapp.loadClass("com.example.scenario.PoolScenario");
        app.getMethod("main", String[].class).invoke(null, (Object) args);
        app.getMethod("deregisterDrivers").invoke(null);
        webapp.close();
        return new WeakReference<>(webapp);
    }
}
