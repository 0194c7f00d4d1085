package io.holdtrace.agent.detect;

import io.holdtrace.bootstrap.Component;
import io.holdtrace.bootstrap.Hold;

/**
 * What the agent knows of the application's DI containers, as the detector and the site decoder
 * need it. Called on the agent's threads only.
 */
public interface Attribution {

    /**
     * The component that took the connection: the one being created when it was taken, else the
     * nearest registered component on the acquiring stack ({@code frames} may be null); or null.
     */
    Component componentOf(Hold h, StackTraceElement[] frames);

    /** The {@code @Transactional} method the holder was in, e.g. {@code com.acme.OrderService.place}; or null. */
    String transactionalOf(Hold h);

    /** The captive dependency this open hold shows, or null (not one, or not sure yet). */
    Captive captiveOf(Hold h);

    /**
     * The captive dependency an open hold taken outside any creation shows: {@code taker} (the
     * component the hold is attributed to) is short-lived, a long-lived component was given it
     * (injected, not resolved through a provider), and the hold outlived its use: still open past
     * the threshold, or used by more than one thread. Null if not (or not sure).
     */
    Captive capturedUserOf(Component taker, boolean pastThreshold, boolean severalThreads);

    /** A long-lived component that was given a short-lived one, which took a connection and keeps it. */
    final class Captive {
        public final Component longLived;
        public final Component captured;
        /** The component whose creation took the connection: {@link #captured} or one it created. */
        public final Component acquiredBy;
        /** How the container gave it: "injected" (a dependency it registered). */
        public final String how;
        /** The connection was taken on first use, after the component was built, not while it was built. */
        public final boolean onFirstUse;

        public Captive(Component longLived, Component captured, Component acquiredBy, String how, boolean onFirstUse) {
            this.longLived = longLived;
            this.captured = captured;
            this.acquiredBy = acquiredBy;
            this.how = how;
            this.onFirstUse = onFirstUse;
        }
    }
}
