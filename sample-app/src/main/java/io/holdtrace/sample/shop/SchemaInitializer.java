package io.holdtrace.sample.shop;

import java.util.List;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Creates the tables and the product catalogue at start-up, before the web server takes requests.
 * The SQL is the subset H2, PostgreSQL and MariaDB share, and running it again against a server
 * that already has the tables changes nothing, so PostgreSQL and MariaDB keep their orders between
 * runs. Table names carry a {@code sample_} prefix because the servers' {@code test} databases
 * are shared with other tests.
 */
@Component
public class SchemaInitializer implements InitializingBean {

    private static final List<String> SCHEMA = List.of(
            """
            CREATE TABLE IF NOT EXISTS sample_product (
              id BIGINT PRIMARY KEY,
              name VARCHAR(100) NOT NULL,
              price_cents BIGINT NOT NULL,
              stock INT NOT NULL
            )""",
            """
            CREATE TABLE IF NOT EXISTS sample_order (
              id VARCHAR(36) PRIMARY KEY,
              product_id BIGINT NOT NULL,
              quantity INT NOT NULL,
              amount_cents BIGINT NOT NULL,
              status VARCHAR(20) NOT NULL,
              auth_ref VARCHAR(64),
              created_at TIMESTAMP NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS sample_order_created_at ON sample_order (created_at)");

    private static final List<Product> CATALOGUE = List.of(
            new Product(1, "espresso beans 1kg", 2490, 1_000_000),
            new Product(2, "hand grinder", 8900, 1_000_000),
            new Product(3, "milk jug", 1550, 1_000_000),
            new Product(4, "paper filters x100", 450, 1_000_000),
            new Product(5, "kettle", 5990, 1_000_000));

    private final JdbcTemplate jdbc;

    public SchemaInitializer(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void afterPropertiesSet() {
        SCHEMA.forEach(jdbc::execute);
        for (Product p : CATALOGUE) {
            Integer present = jdbc.queryForObject(
                    "SELECT COUNT(*) FROM sample_product WHERE id = ?", Integer.class, p.id());
            if (present == 0) {
                try {
                    jdbc.update("INSERT INTO sample_product (id, name, price_cents, stock) VALUES (?, ?, ?, ?)",
                            p.id(), p.name(), p.priceCents(), p.stock());
                } catch (DuplicateKeyException anotherInstanceWasFaster) {
                    // Another instance of the app seeded the same server at the same moment.
                }
            }
        }
    }
}
