package io.holdtrace.sample.shop;

import java.time.Instant;
import java.util.UUID;

public record Order(String id, long productId, int quantity, long amountCents, String status,
                    String authRef, Instant createdAt) {

    public static Order of(Product product, int quantity, String status, String authRef) {
        return new Order(UUID.randomUUID().toString(), product.id(), quantity,
                product.priceCents() * quantity, status, authRef, Instant.now());
    }

    public Order withStatus(String newStatus, String newAuthRef) {
        return new Order(id, productId, quantity, amountCents, newStatus, newAuthRef, createdAt);
    }
}
