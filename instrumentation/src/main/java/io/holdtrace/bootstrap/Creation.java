package io.holdtrace.bootstrap;

/**
 * One component a DI container is creating on this thread: a Spring bean in
 * {@code createBean}, a Guice binding being provisioned. Creations nest (a singleton's
 * constructor asks for its dependencies), so each links to the one it happens inside. A hold
 * taken while a creation is under way keeps a reference to it: that is the component that took
 * the connection, and the chain above it says which longer-lived component it was built for.
 *
 * <p>Made on the application thread with what the container has at hand (no lookups, no string
 * building); the agent reads it later on its own thread.
 */
public final class Creation {

    public static final int SPRING = 1;
    public static final int GUICE = 2;

    public static final int CREATING = 0;
    public static final int DONE = 1;
    public static final int FAILED = 2;

    public final Creation parent;
    public final int container;
    /** Spring: the identity hash of the bean factory; Guice: 0 (bindings are looked up in every injector). */
    public final int containerId;
    /** Spring: the bean name; Guice: the binding's {@code Key}. */
    public final Object key;
    /** Spring: the merged definition's scope; Guice: null (read from the injector's bindings). */
    public final String scope;
    private volatile int state;
    /** What the agent made of this creation, once it looked (only the agent's thread writes it). */
    private volatile Object resolved;

    Creation(Creation parent, int container, int containerId, Object key, String scope) {
        this.parent = parent;
        this.container = container;
        this.containerId = containerId;
        this.key = key;
        this.scope = scope;
    }

    public int state() {
        return state;
    }

    void finish(boolean ok) {
        state = ok ? DONE : FAILED;
    }

    public Object resolved() {
        return resolved;
    }

    public void resolve(Object r) {
        resolved = r;
    }
}
