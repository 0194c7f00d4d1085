package io.holdtrace.agent;

import io.holdtrace.agent.config.Config;
import io.holdtrace.agent.config.ConfigException;
import io.holdtrace.agent.detect.CaptureShare;
import io.holdtrace.agent.detect.Detector;
import io.holdtrace.agent.di.ComponentModel;
import io.holdtrace.agent.detect.Findings;
import io.holdtrace.agent.detect.OutboundCalls;
import io.holdtrace.agent.detect.SiteDecoder;
import io.holdtrace.agent.jfr.JfrEvents;
import io.holdtrace.agent.report.ReportBuilder;
import io.holdtrace.bootstrap.Components;
import io.holdtrace.bootstrap.HoldTracker;
import io.holdtrace.bootstrap.Holds;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import io.holdtrace.instrumentation.Weaver;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongSupplier;

/**
 * Wires the agent: reads the options, starts the tracker, the detector and the reporter, and
 * weaves the instrumented libraries. Any failure here leaves the application running without
 * the agent, with one line on stderr.
 */
public final class AgentInstaller {

    private static final String PREFIX = "[holdtrace] ";

    private AgentInstaller() {
    }

    /**
     * @param version the agent's version as the entry point read it from its package (the
     *                manifest the application class loader parsed as it loaded that class; a
     *                package of the bootstrap loader's carries none, and reading it again costs a
     *                resource lookup on the main thread), or null to read it here
     */
    public static void install(String args, Instrumentation inst, boolean attached, String version) {
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
        if (version == null) {
            version = version();
        }
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
        if (config.captureShare > 0) {
            CaptureShare share = CaptureShare.ofProcess(tracker.budget(), config.captureShare, new LongSupplier() {
                @Override
                public long getAsLong() { // a class, not a method reference: no lambda is spun on the main thread
                    return tracker.uncaptured();
                }
            });
            detector.captureShare(share);
            reportBuilder.captureShare(share);
        }
        Reporter reporter = new Reporter(config, tracker, detector, reportBuilder);
        detector.everyPass(jfr(tracker, decoder, findings));

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

    /**
     * JFR events: the check the detector runs each pass, null if none. A JVM without the jdk.jfr
     * module must not load even one class that names a JFR type.
     */
    private static Runnable jfr(HoldTracker tracker, SiteDecoder decoder, Findings findings) {
        if (ModuleLayer.boot().findModule("jdk.jfr").isPresent()) {
            try {
                return JfrEvents.install(tracker, decoder, findings);
            } catch (Throwable t) {
                System.err.println(PREFIX + "JFR events are off (" + t + "); tracking carries on");
            }
        }
        return null;
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

    /**
     * One retransformable transformer, the weaver, which makes the modules' shape changes before
     * its weaves (one JVMTI environment: each class file is handed to holdtrace once), and which
     * is handed the classes loaded before the agent that it applies to.
     */
    private static void weave(Instrumentation inst, List<InstrumentationModule> modules) {
        List<Weave> weaves = new ArrayList<>();
        List<ClassFileTransformer> shapes = new ArrayList<>();
        for (InstrumentationModule m : modules) {
            weaves.addAll(m.weaves());
            ClassFileTransformer t = m.classFileChanges();
            if (t != null) {
                shapes.add(t);
            }
        }
        Weaver weaver = new Weaver(weaves, shapes, new BootstrapClassFiles());
        weaver.warmUp(); // the hook weaver's (and, if a weave needs it from the start, Byte Buddy's) first use, on a thread of its own
        inst.addTransformer(weaver, true);
        try {
            weaver.retransformLoaded(inst);
        } catch (RuntimeException | Error e) {
            inst.removeTransformer(weaver);
            throw e;
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
        // the jar's manifest, read already to define the package: no resource URL to open
        Package pkg = AgentInstaller.class.getPackage();
        String v = pkg == null ? null : pkg.getImplementationVersion();
        if (v != null) {
            return v;
        }
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
