package io.holdtrace.instrumentation.spring;

import static io.holdtrace.instrumentation.Hook.ENTERED;
import static io.holdtrace.instrumentation.Hook.RETURNED;
import static io.holdtrace.instrumentation.Hook.THIS;
import static io.holdtrace.instrumentation.Hook.THROWN;
import static io.holdtrace.instrumentation.Hook.argument;
import static io.holdtrace.instrumentation.Hook.call;
import static io.holdtrace.instrumentation.Hook.constant;

import io.holdtrace.bootstrap.Components;
import io.holdtrace.bootstrap.Creation;
import io.holdtrace.instrumentation.Hook;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import java.util.List;

/**
 * Spring Framework 6 and 7: the bean factory's registrations, dependencies, creations and start,
 * and the {@code @Transactional} method around each transaction.
 * <ul>
 * <li>{@code DefaultListableBeanFactory.registerBeanDefinition} and
 * {@code DefaultSingletonBeanRegistry.registerSingleton}: every bean, read by getters;</li>
 * <li>{@code DefaultSingletonBeanRegistry.registerDependentBean}: which bean was given which;</li>
 * <li>{@code AbstractAutowireCapableBeanFactory.createBean}: the beans being created on a thread,
 * with their merged scope, so a checkout knows which bean took it and for whom;</li>
 * <li>{@code DefaultListableBeanFactory.preInstantiateSingletons}: the context has started;</li>
 * <li>{@code TransactionAspectSupport.invokeWithinTransaction}: the method that owns the transaction.</li>
 * </ul>
 */
public final class SpringInstrumentation implements InstrumentationModule {

    private static final String FACTORY = "org.springframework.beans.factory.support.DefaultListableBeanFactory";
    private static final String REGISTRY = "org.springframework.beans.factory.support.DefaultSingletonBeanRegistry";
    private static final String AUTOWIRE = "org.springframework.beans.factory.support.AbstractAutowireCapableBeanFactory";
    private static final String TX = "org.springframework.transaction.interceptor.TransactionAspectSupport";
    private static final String STRING = "Ljava/lang/String;";

    @Override
    public String name() {
        return "spring";
    }

    @Override
    public String description() {
        return "Spring beans: registrations, dependencies, creations (component attribution, captive dependencies), @Transactional methods";
    }

    @Override
    public List<Weave> weaves() {
        Hook.Value spring = constant(Creation.SPRING);
        String registered = "(ILjava/lang/Object;Ljava/lang/String;Ljava/lang/Object;)V";
        return List.of(
                Weave.named(List.of(
                        Hook.on("registerBeanDefinition").arguments(2).argument(0, STRING)
                                .exit(call(Components.class, "registered", registered, spring, THIS, argument(0), argument(1))),
                        Hook.on("preInstantiateSingletons").arguments(0)
                                .exit(call(Components.class, "started", "(ILjava/lang/Object;)V", spring, THIS))),
                        FACTORY),
                Weave.named(List.of(
                        Hook.on("registerSingleton").arguments(2).argument(0, STRING)
                                .exit(call(Components.class, "registered", registered, spring, THIS, argument(0), argument(1))),
                        Hook.on("registerDependentBean").arguments(2).argument(0, STRING).argument(1, STRING)
                                .enter(call(Components.class, "dependency", "(Ljava/lang/Object;Ljava/lang/String;Ljava/lang/String;)V",
                                        THIS, argument(0), argument(1)))),
                        REGISTRY),
                Weave.named(List.of(
                        Hook.on("createBean").arguments(3).argument(0, STRING)
                                .argument(1, "Lorg/springframework/beans/factory/support/RootBeanDefinition;")
                                .enter(call(Components.class, "springCreating",
                                        "(Ljava/lang/Object;Ljava/lang/String;Ljava/lang/Object;)Lio/holdtrace/bootstrap/Creation;",
                                        THIS, argument(0), argument(1)))
                                .exitOrThrow(call(Components.class, "exit",
                                        "(Lio/holdtrace/bootstrap/Creation;Ljava/lang/Object;Ljava/lang/Throwable;)V",
                                        ENTERED, RETURNED, THROWN))),
                        AUTOWIRE),
                Weave.named(List.of(
                        Hook.on("invokeWithinTransaction").arguments(3).argument(0, "Ljava/lang/reflect/Method;")
                                .argument(1, "Ljava/lang/Class;")
                                .enter(call(Components.class, "txEnter", "(Ljava/lang/reflect/Method;Ljava/lang/Class;)Ljava/lang/Object;",
                                        argument(0), argument(1)))
                                .exitOrThrow(call(Components.class, "txExit", "(Ljava/lang/Object;)V", ENTERED))),
                        TX));
    }
}
