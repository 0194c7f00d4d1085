package io.holdtrace.sample.legacy;

import io.holdtrace.sample.shop.Product;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@ConditionalOnBooleanProperty(name = "sample.incidents.c.enabled", matchIfMissing = true)
public class LegacyPricingController {

    private final LegacyPricingService pricing;

    public LegacyPricingController(LegacyPricingService pricing) {
        this.pricing = pricing;
    }

    @GetMapping("/c/legacy")
    public Product reprice(@RequestParam(defaultValue = "1") long product) {
        return pricing.reprice(product);
    }
}
