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
     * interface), which the retransformable {@link Weaver} may not; registered as not
     * retransformable, before it. None by default.
     */
    default ClassFileTransformer classFileChanges() {
        return null;
    }
}
