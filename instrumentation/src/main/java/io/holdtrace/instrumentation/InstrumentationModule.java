package io.holdtrace.instrumentation;

import java.lang.instrument.ClassFileTransformer;
import java.util.List;

/**
 * One instrumented library: which types it weaves and with what: {@link Hook}s (calls into
 * holdtrace's bootstrap part, {@link io.holdtrace.bootstrap.Holds} and
 * {@link io.holdtrace.bootstrap.Components}, woven with plain ASM), or where those cannot say it,
 * Byte Buddy advice.
 */
public interface InstrumentationModule {

    /** The name users switch it off with ({@code exclude=NAME}). */
    String name();

    /** One line for {@code help}. */
    String description();

    /** What this module weaves, and into which classes (see {@link Weave}). */
    List<Weave> weaves();

    /**
     * A transformer that changes the shape of classes as they are first defined (a field, an
     * interface), which a weave may not. Not registered on its own: the {@link Weaver} calls it
     * before its weaves, for every class. It must give a class it changed as it loaded the same
     * shape again whenever that class is retransformed or redefined ({@code redefined} not null:
     * the JVM then hands it the class file as loaded), and leave a class loaded before the agent
     * as it is. None by default.
     */
    default ClassFileTransformer classFileChanges() {
        return null;
    }
}
