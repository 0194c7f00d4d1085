package io.holdtrace.sample.healthy;

import io.holdtrace.sample.downstream.DownstreamClient;
import io.holdtrace.sample.shop.Order;
import org.springframework.stereotype.Service;

/**
 * The healthy counterpart of incident B. The payment is written and committed first; the auth
 * RPC comes after, when no connection is held, and its answer is stored by a second short
 * transaction. A slow downstream then slows payments down but does not drain the pool.
 * This class is deliberately not @Transactional: a transaction around {@link #pay} would hold a
 * connection across the RPC again.
 */
@Service
public class PaymentService {

    private final PaymentRecorder recorder;
    private final DownstreamClient downstream;

    public PaymentService(PaymentRecorder recorder, DownstreamClient downstream) {
        this.recorder = recorder;
        this.downstream = downstream;
    }

    public Order pay(long productId, int quantity) {
        Order paid = recorder.recordPayment(productId, quantity);
        String token = downstream.authToken("receipt");
        return recorder.recordReceipt(paid, token);
    }
}
