package com.example.scenario.boot3;

import com.example.scenario.Sites;
import org.springframework.stereotype.Controller;

/** Calls the @Transactional method through its proxy: the transaction's connection is taken before place() runs. */
@Controller
public class OrderController {

    private final OrderService orders;

    public OrderController(OrderService orders) {
        this.orders = orders;
    }

    public long order() {
        long n = orders.place(); Sites.mark("boot3-tx-place");
        return n;
    }
}
