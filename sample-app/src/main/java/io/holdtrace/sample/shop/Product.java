package io.holdtrace.sample.shop;

public record Product(long id, String name, long priceCents, int stock) {
}
