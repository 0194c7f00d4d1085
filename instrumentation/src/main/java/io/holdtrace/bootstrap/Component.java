package io.holdtrace.bootstrap;

/**
 * An application component as its DI container declared it: a Spring bean, a Guice binding.
 * Made by the agent from the container's registrations; immutable.
 */
public final class Component {

    /** {@code spring-1}, {@code guice-1}, ...: which container, in the order the agent saw them. */
    public final String container;
    /** The bean name, or the Guice key ({@code com.acme.Foo}, {@code com.acme.Foo@Named(x)}). */
    public final String name;
    /** The component's class, or null when the container does not say before it creates one. */
    public final String className;
    /** {@code singleton}, {@code prototype}, {@code request}, {@code unscoped}, {@code eager-singleton}, ... */
    public final String scope;
    /** Where it was declared: a @Bean method, a component class, an XML resource, a binding's line. */
    public final String declaredAt;

    public Component(String container, String name, String className, String scope, String declaredAt) {
        this.container = container;
        this.name = name;
        this.className = className;
        this.scope = scope;
        this.declaredAt = declaredAt;
    }

    /** {@code reportingService (singleton)}: the form JFR events carry. */
    @Override
    public String toString() {
        return name + " (" + scope + ")";
    }
}
