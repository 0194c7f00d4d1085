package io.holdtrace.sample.healthy;

import io.holdtrace.sample.captive.PerCallReportingService;
import io.holdtrace.sample.shop.Order;
import io.holdtrace.sample.shop.SalesReport;
import io.holdtrace.sample.shop.ShopRepository;
import java.sql.SQLException;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Endpoints that never hold a connection across an outbound call and never leak one. */
@RestController
public class HealthyController {

    private final ShopRepository shop;
    private final PaymentService payments;
    private final PerCallReportingService reporting;

    public HealthyController(ShopRepository shop, PaymentService payments, PerCallReportingService reporting) {
        this.shop = shop;
        this.payments = payments;
        this.reporting = reporting;
    }

    @GetMapping("/healthy/orders")
    public List<Order> orders() {
        return shop.recentOrders(20);
    }

    @GetMapping("/healthy/pay")
    public Order pay(@RequestParam(defaultValue = "1") long product,
                     @RequestParam(defaultValue = "1") int quantity) {
        return payments.pay(product, quantity);
    }

    @GetMapping("/healthy/report")
    public SalesReport report() throws SQLException {
        return reporting.report();
    }
}
