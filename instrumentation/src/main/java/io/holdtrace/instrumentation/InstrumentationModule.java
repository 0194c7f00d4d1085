package io.holdtrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.none;

import java.lang.instrument.ClassFileTransformer;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * One instrumented library: which types it weaves and with what advice. Advice classes are
 * templates that Byte Buddy inlines into the application's classes; they call nothing but
 * {@link io.holdtrace.bootstrap.Holds}.
 */
public interface InstrumentationModule {

    /** The name users switch it off with ({@code exclude=NAME}). */
    String name();

    /** One line for {@code help}. */
    String description();

    /** Adds this module's transformations. */
    AgentBuilder extend(AgentBuilder builder);

    /**
     * A transformer that changes the shape of classes as they are first defined (a field, an
     * interface), which Byte Buddy's retransformable transformer may not; registered as not
     * retransformable, before it. None by default.
     */
    default ClassFileTransformer classFileChanges() {
        return null;
    }

    /** JDK types (loaded by the bootstrap loader) this module weaves; none by default. */
    default ElementMatcher<TypeDescription> bootstrapTypes() {
        return none();
    }
}
