package com.example.scenario;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs an application the way a Spring Boot fat jar does: its classes and libraries in a class
 * loader of their own under the platform loader, none on the system class path, which the
 * agent's own classes share. Woven code, and the advice signatures the agent reads, must not need
 * the application's libraries from the agent's side.
 *
 * <p>Usage: {@code -Dscenario.nestedClasspath=PATH NestedLoaderLauncher MAIN ARGS...}.
 */
public final class NestedLoaderLauncher {

    private NestedLoaderLauncher() {
    }

    public static void main(String[] args) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String e : System.getProperty("scenario.nestedClasspath").split(File.pathSeparator)) {
            urls.add(new File(e).toURI().toURL());
        }
        URLClassLoader loader = new URLClassLoader("app", urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
        Thread.currentThread().setContextClassLoader(loader);
        Class<?> main = loader.loadClass(args[0]);
        System.out.println("APP-LOADER " + main.getClassLoader().getName());
        main.getMethod("main", String[].class).invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    }
}
