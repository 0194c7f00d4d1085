package io.holdtrace.bootstrap;

/** Creations as the woven containers make them, for the agent's tests (the constructor is the bootstrap part's). */
public final class TestCreations {

    private TestCreations() {
    }

    /** Spring's {@code createBean} of {@code name} in {@code factory}, outside any other creation. */
    public static Creation spring(Object factory, String name, String scope) {
        return new Creation(null, Creation.SPRING, System.identityHashCode(factory), name, scope);
    }
}
