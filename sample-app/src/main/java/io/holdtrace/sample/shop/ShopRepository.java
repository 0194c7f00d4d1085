package io.holdtrace.sample.shop;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Plain JdbcTemplate access to the shop tables. Outside a transaction each call borrows a
 * connection and gives it back before returning; inside one it uses the transaction's connection.
 */
@Repository
public class ShopRepository {

    private final JdbcTemplate jdbc;

    public ShopRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public Product product(long id) {
        return jdbc.queryForObject(
                "SELECT id, name, price_cents, stock FROM sample_product WHERE id = ?",
                (rs, row) -> new Product(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getInt(4)),
                id);
    }

    public List<Order> recentOrders(int limit) {
        return jdbc.query(
                "SELECT id, product_id, quantity, amount_cents, status, auth_ref, created_at"
                        + " FROM sample_order ORDER BY created_at DESC LIMIT ?",
                ShopRepository::order, limit);
    }

    public void insert(Order order) {
        jdbc.update("INSERT INTO sample_order (id, product_id, quantity, amount_cents, status, auth_ref, created_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?)",
                order.id(), order.productId(), order.quantity(), order.amountCents(), order.status(),
                order.authRef(), Timestamp.from(order.createdAt()));
    }

    public void updateStatus(Order order) {
        jdbc.update("UPDATE sample_order SET status = ?, auth_ref = ? WHERE id = ?",
                order.status(), order.authRef(), order.id());
    }

    public void takeFromStock(long productId, int quantity) {
        jdbc.update("UPDATE sample_product SET stock = stock - ? WHERE id = ?", quantity, productId);
    }

    public void reprice(long productId, long priceCents) {
        jdbc.update("UPDATE sample_product SET price_cents = ? WHERE id = ?", priceCents, productId);
    }

    static Order order(ResultSet rs, int row) throws SQLException {
        return new Order(rs.getString(1), rs.getLong(2), rs.getInt(3), rs.getLong(4), rs.getString(5),
                rs.getString(6), rs.getTimestamp(7).toInstant());
    }
}
