package io.holdtrace.agent;

import static net.bytebuddy.matcher.ElementMatchers.none;

import io.holdtrace.agent.config.Config;
import io.holdtrace.agent.config.ConfigException;
import io.holdtrace.agent.detect.Detector;
import io.holdtrace.agent.di.ComponentModel;
import io.holdtrace.agent.detect.Findings;
import io.holdtrace.agent.detect.OutboundCalls;
import io.holdtrace.agent.detect.SiteDecoder;
import io.holdtrace.agent.jfr.JfrEvents;
import io.holdtrace.agent.report.ReportBuilder;
import io.holdtrace.bootstrap.Components;
import io.holdtrace.bootstrap.Faults;
import io.holdtrace.bootstrap.HoldTracker;
import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.ClassHeaders;
import io.holdtrace.instrumentation.InstrumentationModule;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.utility.JavaModule;

/**
 * Wires the agent: reads the options, starts the tracker, the detector and the reporter, and
 * weaves the instrumented libraries. Any failure here leaves the application running without
 * the agent, with one line on stderr.
 */
public final class AgentInstaller {

    private static final String PREFIX = "[holdtrace] ";

    private AgentInstaller() {
    }

    public static void install(String args, Instrumentation inst, boolean attached) {
        Config config;
        List<InstrumentationModule> modules;
        try {
            config = Config.parse(args, systemProperties(), System.getenv());
            modules = selectModules(config);
        } catch (ConfigException e) {
            System.err.println(PREFIX + e.getMessage() + "; holdtrace is off, the application runs without it");
            return;
        }
        if (config.help) {
            System.err.print(Config.helpText());
            System.err.print(modulesHelp());
        }
        if (!config.enabled) {
            return;
        }
        String version = version();
        HoldTracker tracker = new HoldTracker(config.maxOpenHolds, config.captureNanosPerSecond, 16_384);
        SiteDecoder decoder = new SiteDecoder(config.frameworkPackages, config.stackDepth, config.maxSites, tracker.budget());
        Findings findings = new Findings(config.maxFindings);
        Detector detector = new Detector(tracker, decoder, findings, config.threshold.toNanos());
        ReportBuilder reportBuilder = new ReportBuilder(config, tracker, decoder, findings, version);
        ComponentModel components = new ComponentModel(decoder);
        decoder.attribution(components);
        reportBuilder.components(components);
        OutboundCalls outbound = new OutboundCalls(tracker, decoder, findings, config.maxSites);
        detector.outboundCalls(outbound);
        reportBuilder.outboundCalls(outbound);
        Reporter reporter = new Reporter(config, tracker, detector, reportBuilder);
        jfr(tracker, decoder, findings);

        Holds.install(tracker);
        Components.install(components);
        detector.start();
        reporter.start();
        try {
            weave(inst, modules);
        } catch (Throwable t) {
            Holds.install(null);
            Components.install(null);
            detector.stop();
            System.err.println(PREFIX + "could not instrument (" + t + "); holdtrace is off, the application runs without it");
            return;
        }
        System.err.println(PREFIX + version + " tracking JDBC connection holds (threshold " + config.threshold.toMillis()
                + " ms" + (attached ? ", attached to a running JVM" : "") + "); report: " + config.report);
    }

    /** JFR events. A JVM without the jdk.jfr module must not load even one class that names a JFR type. */
    private static void jfr(HoldTracker tracker, SiteDecoder decoder, Findings findings) {
        if (ModuleLayer.boot().findModule("jdk.jfr").isPresent()) {
            try {
                JfrEvents.install(tracker, decoder, findings);
            } catch (Throwable t) {
                System.err.println(PREFIX + "JFR events are off (" + t + "); tracking carries on");
            }
        }
    }

    private static List<InstrumentationModule> selectModules(Config config) throws ConfigException {
        List<InstrumentationModule> all = Modules.all();
        for (String name : config.exclude) {
            if (all.stream().noneMatch(m -> m.name().equals(name))) {
                StringBuilder known = new StringBuilder();
                all.forEach(m -> known.append(known.length() == 0 ? "" : ", ").append(m.name()));
                throw new ConfigException("bad value for option exclude: no instrumentation named '" + name + "'; known: " + known);
            }
        }
        List<InstrumentationModule> out = new ArrayList<>();
        for (InstrumentationModule m : all) {
            if (!config.exclude.contains(m.name())) {
                out.add(m);
            }
        }
        return out;
    }

    private static String modulesHelp() {
        StringBuilder sb = new StringBuilder("instrumentations (exclude=name:name switches them off):\n");
        for (InstrumentationModule m : Modules.all()) {
            sb.append(String.format("  %-10s %s%n", m.name(), m.description()));
        }
        return sb.toString();
    }

    private static void weave(Instrumentation inst, List<InstrumentationModule> modules) {
        ElementMatcher<TypeDescription> bootstrapTypes = none();
        for (InstrumentationModule m : modules) {
            bootstrapTypes = new ElementMatcher.Junction.Disjunction<>(bootstrapTypes, m.bootstrapTypes());
        }
        ElementMatcher<TypeDescription> boot = bootstrapTypes;
        AgentBuilder builder = newAgentBuilder()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                // a class being loaded is described from its bytes, lazily: the ignore rules and
                // name matchers read its name without parsing it; a loaded class (retransformed at
                // start-up) is described by reflection rather than by parsing its class file again
                .with(AgentBuilder.DescriptionStrategy.Default.HYBRID)
                .with(new TypePoolCache()) // supertypes parsed once per loader, not once per class that names them
                // the application's loader, then holdtrace's bootstrap part (which no loader serves as resources)
                .with(new AgentBuilder.LocationStrategy.Compound(AgentBuilder.LocationStrategy.ForClassLoader.WEAK,
                        new AgentBuilder.LocationStrategy.Simple(new BootstrapClassFiles())))
                .with(new Failures())
                .ignore((TypeDescription type, ClassLoader loader, JavaModule module, Class<?> redefined, ProtectionDomain pd) -> {
                    String n = type.getName();
                    if (n.startsWith("io.holdtrace.") || n.startsWith("net.bytebuddy.") || n.startsWith("jdk.internal.reflect.")
                            || n.startsWith("sun.reflect.") || n.startsWith("java.lang.invoke.")) {
                        return true;
                    }
                    return loader == null && !boot.matches(type);
                });
        for (InstrumentationModule m : modules) {
            builder = m.extend(builder);
        }
        List<java.lang.instrument.ClassFileTransformer> plain = new ArrayList<>();
        for (InstrumentationModule m : modules) {
            java.lang.instrument.ClassFileTransformer t = m.classFileChanges();
            if (t != null) {
                plain.add(t); // first of all: what they add is part of the class the others see
            }
        }
        plain.add(new ClassHeaders()); // then: it reads each class's supertypes for the matchers
        for (java.lang.instrument.ClassFileTransformer t : plain) {
            inst.addTransformer(t, false);
        }
        try {
            builder.installOn(inst);
        } catch (RuntimeException | Error e) {
            for (java.lang.instrument.ClassFileTransformer t : plain) {
                inst.removeTransformer(t);
            }
            throw e;
        }
    }

    /**
     * Byte Buddy's default builder sets up its "nexus" (a class injected into the system class
     * loader for an initialization strategy holdtrace does not use): about a quarter of a second
     * at start-up. Its documented switch turns that off while the builder is made, and only then.
     * (The property's name is relocated with Byte Buddy when the agent jar is shaded.)
     */
    private static AgentBuilder newAgentBuilder() {
        String key = "net.bytebuddy.nexus.disabled";
        if (System.getProperty(key) != null) {
            return new AgentBuilder.Default();
        }
        System.setProperty(key, "true");
        try {
            return new AgentBuilder.Default();
        } finally {
            System.clearProperty(key);
        }
    }

    /** Weaving failures are the agent's own: counted, printed a few times, never thrown. */
    private static final class Failures extends AgentBuilder.Listener.Adapter {
        @Override
        public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable throwable) {
            if (throwable instanceof TypePool.Resolution.NoSuchTypeException) {
                if (Boolean.getBoolean("holdtrace.debug.weaving")) {
                    System.err.println(PREFIX + "not woven " + typeName + ": " + throwable);
                }
                return; // the application's own class lacks a superclass on its class path; it will fail (or not) without us
            }
            Faults.report("weaving " + typeName, throwable);
        }

        @Override
        public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
                                     DynamicType dynamicType) {
            if (Boolean.getBoolean("holdtrace.debug.weaving")) {
                System.err.println(PREFIX + "wove " + type.getName());
            }
        }
    }

    private static Map<String, String> systemProperties() {
        Map<String, String> out = new HashMap<>();
        Properties p = System.getProperties();
        for (String name : p.stringPropertyNames()) {
            if (name.startsWith("holdtrace.") && !name.startsWith("holdtrace.debug.")) {
                out.put(name, p.getProperty(name));
            }
        }
        return out;
    }

    static String version() {
        try (InputStream in = AgentInstaller.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (Exception e) {
            return "dev";
        }
    }
}
