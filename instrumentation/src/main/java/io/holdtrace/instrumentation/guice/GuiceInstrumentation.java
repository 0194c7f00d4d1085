package io.holdtrace.instrumentation.guice;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.google.inject.internal.ProviderMethod;
import io.holdtrace.bootstrap.Components;
import io.holdtrace.bootstrap.Creation;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * Guice 7: provisions and the injector's start. Each provision is a creation on its thread, named
 * by its binding's key: a constructor binding's ({@code ConstructorBindingImpl$Factory.get}), a
 * {@code @Provides} method's ({@code ProviderMethod}, through {@code CyclicFactory.get}) and a
 * linked binding's ({@code FactoryProxy.get}, so {@code bind(Api).to(Impl).in(Singleton.class)}
 * counts as the singleton it is). Scopes, declaration sites and dependencies are read from the
 * injector's bindings once {@code InternalInjectorCreator.build} returns it.
 */
public final class GuiceInstrumentation implements InstrumentationModule {

    private static final String P = "com.google.inject.internal.";

    @Override
    public String name() {
        return "guice";
    }

    @Override
    public String description() {
        return "Guice bindings: provisions (component attribution, captive dependencies), scopes and dependencies when the injector is built";
    }

    @Override
    public List<Weave> weaves() {
        return List.of(
                Weave.named((b, type) -> b
                        .visit(Advice.to(Provision.class).on(named("get").and(takesArguments(3)))),
                        P + "ConstructorBindingImpl$Factory", P + "FactoryProxy"),
                Weave.named((b, type) -> b
                        .visit(Advice.to(ProvidesMethod.class).on(named("get").and(takesArguments(3)))),
                        P + "InternalProviderInstanceBindingImpl$CyclicFactory"),
                Weave.named((b, type) -> b
                        .visit(Advice.to(Built.class).on(named("build").and(takesArguments(0)))),
                        P + "InternalInjectorCreator"));
    }

    static final class Provision {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Creation enter(@Advice.FieldValue("key") Object key) {
            return Components.enter(Creation.GUICE, null, key, null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Creation c, @Advice.Return Object instance, @Advice.Thrown Throwable thrown) {
            Components.exit(c, instance, thrown);
        }
    }

    static final class ProvidesMethod {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Creation enter(@Advice.This Object factory) {
            return factory instanceof ProviderMethod ? Components.enter(Creation.GUICE, null, ((ProviderMethod<?>) factory).getKey(), null) : null;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Creation c, @Advice.Return Object instance, @Advice.Thrown Throwable thrown) {
            Components.exit(c, instance, thrown);
        }
    }

    static final class Built {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Return Object injector) {
            Components.started(Creation.GUICE, injector);
        }
    }
}
