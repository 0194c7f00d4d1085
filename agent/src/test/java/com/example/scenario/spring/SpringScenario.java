package com.example.scenario.spring;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.SpringVersion;

/**
 * Spring contexts run under the agent. Usage: {@code SpringScenario URL PART...}, PART one of
 * {@code captive} (incident A: a singleton given a prototype that takes a connection, then used
 * from several threads), {@code healthy} (every way of doing it right), {@code tx}
 * (a @Transactional method).
 */
public final class SpringScenario {

    /** What the scenarios leave open at exit, kept reachable to the end (past main, through the exit report). */
    static final java.util.List<Object> KEPT = new java.util.ArrayList<>();

    private SpringScenario() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("scenario.url", args[0]);
        System.out.println("SPRING " + SpringVersion.getVersion());
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "captive": captive(); break;
                case "healthy": healthy(); break;
                case "tx": tx(); break;
                case "xml": xml(); break;
                case "web": web(); break;
                case "web-healthy": webHealthy(); break;
                case "lazy": lazy(); break;
                default: throw new IllegalArgumentException(args[i]);
            }
        }
        System.out.println("DONE");
    }

    public static DataSource dataSource(String name) {
        HikariConfig cfg = new HikariConfig();
        cfg.setPoolName(name);
        cfg.setJdbcUrl(System.getProperty("scenario.url"));
        cfg.setUsername("sa");
        cfg.setMaximumPoolSize(4);
        return new HikariDataSource(cfg);
    }

    static void captive() throws Exception {
        // left open, as an application's context is: the captured connection is held until exit
        AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext("com.example.scenario.spring.captive");
        System.out.println("STARTED " + System.currentTimeMillis());
        Thread.sleep(Long.getLong("scenario.pauseMs", 1500));
        com.example.scenario.spring.captive.ReportingService reporting =
                ctx.getBean(com.example.scenario.spring.captive.ReportingService.class);
        System.out.println("USING " + System.currentTimeMillis());
        for (int round = 0; round < 2; round++) {
            for (String name : new String[] {"request-1", "request-2", "request-3"}) {
                Thread t = new Thread(() -> {
                    try {
                        reporting.report();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, name);
                t.start();
                t.join();
            }
        }
        Thread.sleep(400); // a detector pass sees the threads
        KEPT.add(reporting); // reachable past main, through the exit report: a GC as the JVM shuts down would collect the held connection
    }

    static void healthy() throws Exception {
        try (AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext("com.example.scenario.spring.healthy")) {
            ctx.getBean(com.example.scenario.spring.healthy.Calls.class).run();
            Thread.sleep(600); // a few detector passes over a started context
        }
    }

    /** Runs {@code body} on a thread of that name, and waits for it. */
    static void on(String thread, java.util.concurrent.Callable<?> body) throws Exception {
        java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.call();
            } catch (Exception e) {
                failed.set(e);
            }
        }, thread);
        t.start();
        t.join();
        if (failed.get() != null) {
            throw failed.get();
        }
    }

    static void xml() throws Exception {
        // left open, as an application's context is
        org.springframework.context.support.GenericXmlApplicationContext ctx =
                new org.springframework.context.support.GenericXmlApplicationContext("classpath:captive-context.xml");
        System.out.println("STARTED " + System.currentTimeMillis());
        com.example.scenario.spring.captive.ReportingService reporting =
                ctx.getBean(com.example.scenario.spring.captive.ReportingService.class);
        com.example.scenario.spring.xml.AuditLog audit = ctx.getBean(com.example.scenario.spring.xml.AuditLog.class);
        for (String name : new String[] {"request-1", "request-2", "request-3"}) {
            on(name, () -> reporting.report() + audit.audit());
        }
        Thread.sleep(400);
        KEPT.add(ctx); // reachable past main, through the exit report: a GC as the JVM shuts down would collect the held connection
    }

    static org.springframework.context.annotation.AnnotationConfigApplicationContext webContext(String pkg) {
        org.springframework.context.annotation.AnnotationConfigApplicationContext ctx =
                new org.springframework.context.annotation.AnnotationConfigApplicationContext();
        ctx.getBeanFactory().registerScope("request", new org.springframework.web.context.request.RequestScope());
        ctx.getBeanFactory().registerScope("session", new org.springframework.web.context.request.SessionScope());
        ctx.scan(pkg);
        ctx.refresh();
        return ctx;
    }

    static void web() throws Exception {
        org.springframework.context.annotation.AnnotationConfigApplicationContext ctx = webContext("com.example.scenario.spring.web");
        System.out.println("STARTED " + System.currentTimeMillis());
        try (com.example.scenario.spring.web.Web web = new com.example.scenario.spring.web.Web(3)) {
            for (int i = 1; i <= 3; i++) {
                jakarta.servlet.http.HttpSession session = com.example.scenario.spring.web.Web.session("user-" + i);
                // the lazy singletons are made in the first request, given that request's and session's objects
                web.request(i, session, () -> ctx.getBean(com.example.scenario.spring.web.RequestReport.class).report()
                        + ctx.getBean(com.example.scenario.spring.web.SessionReport.class).report());
                session.invalidate();
            }
            Thread.sleep(400);
        }
        KEPT.add(ctx); // reachable past main, through the exit report: a GC as the JVM shuts down would collect the held connection
    }

    static void webHealthy() throws Exception {
        try (org.springframework.context.annotation.AnnotationConfigApplicationContext ctx = webContext("com.example.scenario.spring.webhealthy");
             com.example.scenario.spring.web.Web web = new com.example.scenario.spring.web.Web(3)) {
            com.example.scenario.spring.webhealthy.ProxiedCalls calls = ctx.getBean(com.example.scenario.spring.webhealthy.ProxiedCalls.class);
            jakarta.servlet.http.HttpSession session = com.example.scenario.spring.web.Web.session("user-1");
            for (int i = 1; i <= 3; i++) {
                web.request(i, session, () -> {
                    calls.call();
                    ctx.getBean(com.example.scenario.spring.webhealthy.UserSession.class).touch();
                    Thread.sleep(300);
                    return null;
                });
            }
            Thread.sleep(400); // a detector pass sees the session's connection held past the threshold
            session.invalidate();
            System.out.println("SESSION-ENDED " + System.currentTimeMillis());
            Thread.sleep(400);
        }
    }

    static void lazy() throws Exception {
        // left open: the captured connections are held until exit
        AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext("com.example.scenario.spring.lazy");
        com.example.scenario.spring.lazy.LazyReporting reporting = ctx.getBean(com.example.scenario.spring.lazy.LazyReporting.class);
        com.example.scenario.spring.lazy.LazyCalls calls = ctx.getBean(com.example.scenario.spring.lazy.LazyCalls.class);
        for (String name : new String[] {"request-1", "request-2", "request-3"}) {
            on(name, () -> {
                calls.call(0);
                return reporting.report();
            });
        }
        on("request-1", () -> {
            calls.call(Long.getLong("scenario.slowCallMs", 1500)); // past the threshold, on one thread, then closed
            return null;
        });
        ctx.getBean(com.example.scenario.spring.lazy.NightlyJob.class).run();
        Thread.sleep(Long.getLong("scenario.slowCallMs", 1500)); // the job's connection stays out past the threshold
        Thread.sleep(400);
        KEPT.add(ctx); // reachable past main, through the exit report: a GC as the JVM shuts down would collect the held connection
    }

    static void tx() throws Exception {
        try (AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext("com.example.scenario.spring.tx")) {
            ctx.getBean(com.example.scenario.spring.tx.OrderController.class).order();
        }
    }
}
