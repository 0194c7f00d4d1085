package io.holdtrace.sample.legacy;

import io.holdtrace.sample.downstream.DownstreamClient;
import io.holdtrace.sample.shop.Product;
import io.holdtrace.sample.shop.ShopRepository;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Incident C, the call to a service that no longer exists: repricing still asks the downstream's
 * removed {@code /legacy/discounts} endpoint, as a bad merge brought that call back. The 404
 * arrives while the transaction holds its connection, and the caller only sees a 502.
 */
@Service
@ConditionalOnBooleanProperty(name = "sample.incidents.c.enabled", matchIfMissing = true)
public class LegacyPricingService {

    private final ShopRepository shop;
    private final DownstreamClient downstream;

    public LegacyPricingService(ShopRepository shop, DownstreamClient downstream) {
        this.shop = shop;
        this.downstream = downstream;
    }

    @Transactional
    public Product reprice(long productId) {
        Product product = shop.product(productId);
        downstream.ledgerEntry(productId);
        String discountPercent = downstream.legacyDiscount(productId).trim();
        long newPrice = product.priceCents() * (100 - Long.parseLong(discountPercent)) / 100;
        shop.reprice(productId, newPrice);
        return new Product(product.id(), product.name(), newPrice, product.stock());
    }
}
