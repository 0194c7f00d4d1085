package io.holdtrace.sample.checkout;

import io.holdtrace.sample.shop.Order;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@ConditionalOnBooleanProperty(name = "sample.incidents.b.enabled", matchIfMissing = true)
public class CheckoutController {

    private final CheckoutService checkout;

    public CheckoutController(CheckoutService checkout) {
        this.checkout = checkout;
    }

    /** A GET so that any load generator can drive it; it does write an order. */
    @GetMapping("/b/checkout")
    public Order checkout(@RequestParam(defaultValue = "1") long product,
                          @RequestParam(defaultValue = "1") int quantity) {
        return checkout.checkout(product, quantity);
    }
}
