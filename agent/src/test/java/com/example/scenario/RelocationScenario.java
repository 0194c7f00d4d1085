package com.example.scenario;

/**
 * An application that ships its own, other, versions of the agent's dependencies (Jackson and
 * Byte Buddy) and uses them, while the agent tracks its pool. Loaded by reflection so this test
 * source compiles against whatever the build has; the run's class path decides the versions.
 */
public final class RelocationScenario {

    private RelocationScenario() {
    }

    public static void main(String[] args) throws Exception {
        Class<?> mapperClass = Class.forName("com.fasterxml.jackson.databind.ObjectMapper");
        Object mapper = mapperClass.getConstructor().newInstance();
        Object json = mapperClass.getMethod("writeValueAsString", Object.class).invoke(mapper, java.util.Map.of("ok", true));
        Object jacksonVersion = mapperClass.getMethod("version").invoke(mapper);
        System.out.println("APP-JACKSON " + jacksonVersion + " " + json);

        Class<?> byteBuddy = Class.forName("net.bytebuddy.ByteBuddy");
        Object bb = byteBuddy.getConstructor().newInstance();
        Object builder = byteBuddy.getMethod("subclass", Class.class).invoke(bb, Object.class);
        Object unloaded = builder.getClass().getMethod("make").invoke(builder);
        String jar = byteBuddy.getProtectionDomain().getCodeSource().getLocation().getPath();
        System.out.println("APP-BYTEBUDDY " + jar.substring(jar.lastIndexOf('/') + 1) + " " + (unloaded != null));

        // the agent's classes, asked for by name through the application's loader: the bootstrap
        // loader's (the agent appends its jar there), so no class of the application's meets them
        Class<?> installer = Class.forName("io.holdtrace.agent.AgentInstaller");
        System.out.println("AGENT-LOADER " + (installer.getClassLoader() == null ? "bootstrap" : installer.getClassLoader()));

        PoolScenario.main(args);
    }
}
