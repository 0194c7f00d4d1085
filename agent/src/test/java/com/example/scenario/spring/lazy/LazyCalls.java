package com.example.scenario.spring.lazy;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;

/**
 * The right way with the same prototype: one LazyConnection per call through ObjectProvider,
 * closed at the end of the call, even a slow call that holds it past the threshold.
 */
@Service
public class LazyCalls {

    private final ObjectProvider<LazyConnection> perCall;

    public LazyCalls(ObjectProvider<LazyConnection> perCall) {
        this.perCall = perCall;
    }

    public void call(long holdMs) throws Exception {
        try (LazyConnection c = perCall.getObject()) {
            c.count();
            Thread.sleep(holdMs);
        }
    }
}
