package io.holdtrace.sample.healthy;

import io.holdtrace.sample.shop.Order;
import io.holdtrace.sample.shop.Product;
import io.holdtrace.sample.shop.ShopRepository;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** The short transactions of a payment: each holds its connection only for its SQL. */
@Service
public class PaymentRecorder {

    private final ShopRepository shop;

    public PaymentRecorder(ShopRepository shop) {
        this.shop = shop;
    }

    @Transactional
    public Order recordPayment(long productId, int quantity) {
        Product product = shop.product(productId);
        Order order = Order.of(product, quantity, "PAID", null);
        shop.insert(order);
        shop.takeFromStock(productId, quantity);
        return order;
    }

    @Transactional
    public Order recordReceipt(Order paid, String authRef) {
        Order receipted = paid.withStatus("RECEIPTED", authRef);
        shop.updateStatus(receipted);
        return receipted;
    }
}
