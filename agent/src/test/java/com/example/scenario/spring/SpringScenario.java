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
    }

    static void healthy() throws Exception {
        try (AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext("com.example.scenario.spring.healthy")) {
            ctx.getBean(com.example.scenario.spring.healthy.Calls.class).run();
            Thread.sleep(600); // a few detector passes over a started context
        }
    }

    static void tx() throws Exception {
        try (AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext("com.example.scenario.spring.tx")) {
            ctx.getBean(com.example.scenario.spring.tx.OrderController.class).order();
        }
    }
}
