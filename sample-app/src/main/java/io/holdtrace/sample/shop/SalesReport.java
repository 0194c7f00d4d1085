package io.holdtrace.sample.shop;

public record SalesReport(long orders, long revenueCents) {
}
