package io.holdtrace.bootstrap;

/**
 * Marks a pool class whose checkout method reports itself: it was rewritten as it loaded (for
 * HikariCP, {@code HikariSlotFields}) to call {@link Holds#checkedOut} and
 * {@link Holds#checkoutThrew}, so no other advice may be woven into that method.
 */
public interface CheckoutWoven {
}
