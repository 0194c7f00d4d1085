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

    /** A long-lived component that was given a short-lived one, which took a connection and keeps it. */
    final class Captive {
        public final Component longLived;
        public final Component captured;
        /** The component whose creation took the connection: {@link #captured} or one it created. */
        public final Component acquiredBy;
        /** How the container gave it: "injected" (a dependency it registered). */
        public final String how;

        public Captive(Component longLived, Component captured, Component acquiredBy, String how) {
            this.longLived = longLived;
            this.captured = captured;
            this.acquiredBy = acquiredBy;
            this.how = how;
        }
    }
}
