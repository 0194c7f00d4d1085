package io.holdtrace.instrumentation.spring;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.holdtrace.bootstrap.Components;
import io.holdtrace.bootstrap.Creation;
import java.lang.reflect.Method;
import java.util.List;
import net.bytebuddy.asm.Advice;
import io.holdtrace.instrumentation.InstrumentationModule;
import io.holdtrace.instrumentation.Weave;
import org.springframework.beans.factory.support.RootBeanDefinition;

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
        return List.of(
                Weave.named((b, type) -> b
                        .visit(Advice.to(Register.class).on(named("registerBeanDefinition").and(takesArguments(2))
                                .and(takesArgument(0, String.class))))
                        .visit(Advice.to(Started.class).on(named("preInstantiateSingletons").and(takesArguments(0)))),
                        FACTORY),
                Weave.named((b, type) -> b
                        .visit(Advice.to(RegisterSingleton.class).on(named("registerSingleton").and(takesArguments(2))
                                .and(takesArgument(0, String.class))))
                        .visit(Advice.to(Dependency.class).on(named("registerDependentBean").and(takesArguments(2)))),
                        REGISTRY),
                Weave.named((b, type) -> b
                        .visit(Advice.to(Create.class).on(named("createBean").and(takesArguments(3)).and(not(isAbstract()))
                                .and(takesArgument(1, named("org.springframework.beans.factory.support.RootBeanDefinition"))))),
                        AUTOWIRE),
                Weave.named((b, type) -> b
                        .visit(Advice.to(Transactional.class).on(named("invokeWithinTransaction").and(takesArguments(3))
                                .and(takesArgument(0, Method.class)))),
                        TX));
    }

    static final class Register {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Object factory, @Advice.Argument(0) String name, @Advice.Argument(1) Object definition) {
            Components.registered(Creation.SPRING, factory, name, definition);
        }
    }

    static final class RegisterSingleton {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Object factory, @Advice.Argument(0) String name, @Advice.Argument(1) Object instance) {
            Components.registered(Creation.SPRING, factory, name, instance);
        }
    }

    static final class Dependency {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object factory, @Advice.Argument(0) String dependency, @Advice.Argument(1) String dependent) {
            Components.dependency(factory, dependency, dependent);
        }
    }

    static final class Create {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        // Object, cast in the body: the signature is read in the agent's loader, which cannot see
        // Spring in a Boot fat jar; the body is resolved in the bean factory's own
        static Creation enter(@Advice.This Object factory, @Advice.Argument(0) String name, @Advice.Argument(1) Object mbd) {
            return Components.enter(Creation.SPRING, factory, name, ((RootBeanDefinition) mbd).getScope());
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Creation c, @Advice.Return Object bean, @Advice.Thrown Throwable thrown) {
            Components.exit(c, bean, thrown);
        }
    }

    static final class Started {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Object factory) {
            Components.started(Creation.SPRING, factory);
        }
    }

    static final class Transactional {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.Argument(0) Method method, @Advice.Argument(1) Class<?> targetClass) {
            return Components.txEnter(method, targetClass);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object previous) {
            Components.txExit(previous);
        }
    }
}
