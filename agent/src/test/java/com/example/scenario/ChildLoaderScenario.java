package com.example.scenario;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Paths;
import java.sql.Connection;
import javax.sql.DataSource;

/**
 * Tomcat JDBC loaded the way an application server or a fat jar loads it: by a class loader of its
 * own, below the one the agent lives in, so the agent's classes cannot see the pool's.
 *
 * <p>Usage: {@code ChildLoaderScenario URL JAR...}, the JARs being tomcat-jdbc and tomcat-juli.
 */
public final class ChildLoaderScenario {

    private ChildLoaderScenario() {
    }

    public static void main(String[] args) throws Exception {
        URL[] jars = new URL[args.length - 1];
        for (int i = 1; i < args.length; i++) {
            jars[i - 1] = Paths.get(args[i]).toUri().toURL();
        }
        ClassLoader loader = new URLClassLoader(jars, ChildLoaderScenario.class.getClassLoader());
        Class<?> type = loader.loadClass("org.apache.tomcat.jdbc.pool.DataSource");
        Object pool = type.getConstructor().newInstance();
        type.getMethod("setName", String.class).invoke(pool, "child-tomcat");
        type.getMethod("setUrl", String.class).invoke(pool, args[0]);
        type.getMethod("setDriverClassName", String.class).invoke(pool, "org.h2.Driver");
        try (Connection c = ((DataSource) pool).getConnection()) { Sites.mark("child");
            PoolScenario.query(c);
        }
        type.getMethod("close").invoke(pool);
        System.out.println("DONE");
    }
}
