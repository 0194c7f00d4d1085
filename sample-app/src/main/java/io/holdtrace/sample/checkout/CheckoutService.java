package io.holdtrace.sample.checkout;

import io.holdtrace.sample.downstream.DownstreamClient;
import io.holdtrace.sample.shop.Order;
import io.holdtrace.sample.shop.Product;
import io.holdtrace.sample.shop.ShopRepository;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Incident B, the blocking RPC inside a held connection: the auth call is made inside the
 * transaction, so the connection stays checked out for the whole round trip. At low traffic the
 * pool shows one active connection; under load every checkout needs a connection for
 * "query + auth latency", and the pool runs dry long before the database is busy.
 */
@Service
@ConditionalOnBooleanProperty(name = "sample.incidents.b.enabled", matchIfMissing = true)
public class CheckoutService {

    private final ShopRepository shop;
    private final DownstreamClient downstream;

    public CheckoutService(ShopRepository shop, DownstreamClient downstream) {
        this.shop = shop;
        this.downstream = downstream;
    }

    @Transactional
    public Order checkout(long productId, int quantity) {
        Product product = shop.product(productId);
        String token = downstream.authToken("checkout");
        Order order = Order.of(product, quantity, "CONFIRMED", token);
        shop.insert(order);
        shop.takeFromStock(productId, quantity);
        return order;
    }
}
