package io.holdtrace.instrumentation.guice;

import static io.holdtrace.instrumentation.Hook.ENTERED;
import static io.holdtrace.instrumentation.Hook.NULL;
import static io.holdtrace.instrumentation.Hook.RETURNED;
import static io.holdtrace.instrumentation.Hook.THIS;
import static io.holdtrace.instrumentation.Hook.THROWN;
import static io.holdtrace.instrumentation.Hook.call;
import static io.holdtrace.instrumentation.Hook.constant;
import static io.holdtrace.instrumentation.Hook.field;

import io.holdtrace.bootstrap.Components;
import io.holdtrace.bootstrap.Creation;
import io.holdtrace.instrumentation.Hook;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;

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
        String creation = "Lio/holdtrace/bootstrap/Creation;";
        Hook.Call exit = call(Components.class, "exit", "(" + creation + "Ljava/lang/Object;Ljava/lang/Throwable;)V",
                ENTERED, RETURNED, THROWN);
        Hook.Value guice = constant(Creation.GUICE);
        return List.of(
                Weave.named(List.of(Hook.on("get").arguments(3)
                        .enter(call(Components.class, "enter", "(ILjava/lang/Object;Ljava/lang/Object;Ljava/lang/String;)" + creation,
                                guice, NULL, field("key"), NULL))
                        .exitOrThrow(exit)),
                        P + "ConstructorBindingImpl$Factory", P + "FactoryProxy"),
                Weave.named(List.of(Hook.on("get").arguments(3)
                        .enter(call(Components.class, "guiceProviding", "(Ljava/lang/Object;)" + creation, THIS))
                        .exitOrThrow(exit)),
                        P + "InternalProviderInstanceBindingImpl$CyclicFactory"),
                Weave.named(List.of(Hook.on("build").arguments(0)
                        .exit(call(Components.class, "started", "(ILjava/lang/Object;)V", guice, RETURNED))),
                        P + "InternalInjectorCreator"));
    }
}
