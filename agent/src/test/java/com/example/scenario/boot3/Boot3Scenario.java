package com.example.scenario.boot3;

import java.util.concurrent.atomic.AtomicReference;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.SpringVersion;

/**
 * A small Spring Boot 3 application run under the agent, its DataSource (HikariCP), JdbcTemplate
 * and transaction manager all auto-configured. Usage: {@code Boot3Scenario URL}. It starts the
 * application, which makes incident A's singleton ({@link ReportingService}, given the prototype
 * {@link DataConnection} that takes a connection when it is built), then uses it from three
 * request threads, calls the @Transactional {@link OrderService#place()} and the healthy
 * {@link Inventory}, and leaves the context open, as an application does, until it exits (when
 * Boot's shutdown hook closes it, and the pool with it).
 */
@SpringBootApplication
public class Boot3Scenario {

    public static void main(String[] args) throws Exception {
        System.out.println("SPRING " + SpringVersion.getVersion());
        System.out.println("BOOT " + SpringBootVersion.getVersion());
        SpringApplication app = new SpringApplication(Boot3Scenario.class);
        ConfigurableApplicationContext ctx = app.run(
                "--spring.main.web-application-type=none",
                "--spring.main.banner-mode=off",
                "--spring.datasource.url=" + args[0],
                "--spring.datasource.username=sa",
                "--spring.datasource.hikari.pool-name=boot3",
                "--spring.datasource.hikari.maximum-pool-size=4");
        System.out.println("STARTED " + System.currentTimeMillis());
        ReportingService reporting = ctx.getBean(ReportingService.class);
        for (String name : new String[] {"request-1", "request-2", "request-3"}) {
            on(name, reporting::report);
        }
        on("order-1", ctx.getBean(OrderController.class)::order);
        Inventory inventory = ctx.getBean(Inventory.class);
        for (int i = 0; i < 3; i++) {
            on("stock-" + i, inventory::count);
        }
        System.out.println("DONE");
        // idle for a few reports; at exit, Boot's shutdown hook closes the context and its pool
        Thread.sleep(Long.getLong("scenario.idleMs", 1500));
    }

    /** Runs {@code body} on a thread of that name, and waits for it. */
    static void on(String thread, java.util.concurrent.Callable<?> body) throws Exception {
        AtomicReference<Exception> failed = new AtomicReference<>();
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
}
