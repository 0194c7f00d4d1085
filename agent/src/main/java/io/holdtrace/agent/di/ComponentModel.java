package io.holdtrace.agent.di;

import io.holdtrace.agent.config.Config;
import io.holdtrace.agent.detect.Attribution;
import io.holdtrace.agent.detect.SiteDecoder;
import io.holdtrace.bootstrap.Component;
import io.holdtrace.bootstrap.Components;
import io.holdtrace.bootstrap.Creation;
import io.holdtrace.bootstrap.Faults;
import io.holdtrace.bootstrap.Hold;
import java.lang.ref.WeakReference;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The application's DI containers as the agent saw them: every registration (name, class, scope,
 * where it was declared), who was given whom, and when each container started. Spring tells it
 * bean by bean as the factory registers them; a Guice injector's bindings are read once it is
 * built (and again when a provision names a key not seen yet, a just-in-time binding).
 *
 * <p>Everything is read with getters, through the containers' public interfaces, and kept as
 * strings: no reference to a container, a definition or a class, except a weak one to a Guice
 * injector to read its later bindings.
 */
public final class ComponentModel implements Components.Sink, Attribution {

    static final int MAX_COMPONENTS = 5000;
    private static final String BEAN_DEFINITION = "org.springframework.beans.factory.config.BeanDefinition";
    private static final String ANNOTATED_DEFINITION = "org.springframework.beans.factory.annotation.AnnotatedBeanDefinition";
    private static final String METHOD_METADATA = "org.springframework.core.type.MethodMetadata";
    private static final String SCOPED_PROXY = "org.springframework.aop.scope.ScopedProxyFactoryBean";
    private static final String SCOPING = "com.google.inject.internal.Scoping";

    /** A registration. */
    static final class Bean {
        final String name;
        final String scope;
        final String declaredAt;
        /** Guice: the key a linked binding points to. */
        final String linkedKey;
        volatile String className;
        /** The key its container's maps use (Spring: the bean name; Guice: {@code Key.toString()}). */
        volatile String key;
        /**
         * An instance was made outside any long-lived component's creation (resolved through a
         * provider, {@code getBean}, {@code getInstance}): not every instance of it is a captive.
         */
        volatile boolean madeFree;
        /** Its class name is in {@code byClass} (its own entry or another bean's of the same class). */
        volatile boolean classKnown;

        Bean(String name, String className, String scope, String declaredAt, String linkedKey) {
            this.name = name;
            this.className = className;
            this.scope = scope;
            this.declaredAt = declaredAt;
            this.linkedKey = linkedKey;
        }
    }

    /** A Spring bean factory or a Guice injector. */
    static final class Container {
        final String id;
        final int kind;
        /** Spring: the factory's identity hash, the key of {@code spring}. */
        final int identity;
        final WeakReference<Object> ref;
        /** Spring: by bean name; Guice: by {@code Key.toString()}. */
        final Map<String, Bean> beans = new ConcurrentHashMap<>();
        /** Who was given what: dependent to its dependencies (Spring bean names; Guice keys). */
        final Map<String, Set<String>> deps = new ConcurrentHashMap<>();
        volatile long startedAtMillis;
        volatile long lastReadNanos;

        Container(String id, int kind, Object obj) {
            this.id = id;
            this.kind = kind;
            this.identity = System.identityHashCode(obj);
            this.ref = new WeakReference<>(obj);
        }
    }

    /** One creation as the agent understands it. */
    static final class Frame {
        final Container container;
        final Component component;
        /** The name the container's dependency graph uses for it. */
        final String edgeKey;
        final int state;
        final String linkedKey;

        Frame(Container container, Component component, String edgeKey, int state, String linkedKey) {
            this.container = container;
            this.component = component;
            this.edgeKey = edgeKey;
            this.state = state;
            this.linkedKey = linkedKey;
        }
    }

    private final SiteDecoder decoder;
    private final Map<Integer, Container> spring = new ConcurrentHashMap<>();
    /** The Spring container {@link #created} found last: nearly always the only one. */
    private volatile Container lastSpring;
    private final List<Container> guice = new CopyOnWriteArrayList<>();
    private final List<Container> all = new CopyOnWriteArrayList<>();
    /** Component classes (CGLIB and Guice enhancer suffixes removed) to the first registration of each. */
    private final Map<String, Object[]> byClass = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong notKept = new AtomicLong();
    private final AtomicInteger springSeq = new AtomicInteger();
    private final AtomicInteger guiceSeq = new AtomicInteger();
    /** An injector provisioned a key whose binding the agent has not read yet. */
    private volatile boolean guiceStale;

    public ComponentModel(SiteDecoder decoder) {
        this.decoder = decoder;
    }

    // ---------------------------------------------------------------- what the containers tell

    @Override
    public void registered(int kind, Object registry, String name, Object definition) {
        if (kind != Creation.SPRING || registry == null || definition == null) {
            return;
        }
        Container c = springContainer(registry);
        Bean b = readSpring(name, definition);
        if (b == null) {
            Bean existing = c.beans.get(name);
            if (existing != null) {
                return; // registerSingleton of a bean that has a definition: the definition says more
            }
            b = new Bean(name, userClass(definition.getClass().getName()), "singleton",
                    "instance registered with registerSingleton", null);
        }
        put(c, name, b);
    }

    @Override
    public void dependency(Object registry, String dependency, String dependent) {
        Container c = springContainer(registry);
        Set<String> deps = c.deps.get(dependent); // no lambda: this runs on the application's start
        if (deps == null) {
            Set<String> fresh = ConcurrentHashMap.newKeySet();
            deps = c.deps.putIfAbsent(dependent, fresh);
            if (deps == null) {
                deps = fresh;
            }
        }
        deps.add(dependency);
    }

    @Override
    public void created(Creation cr, Object instance) {
        if (cr.container == Creation.GUICE) {
            if (cr.key == null) {
                return;
            }
            Object[] found = findGuice(cr.key.toString()); // Key caches its toString
            if (found == null) {
                guiceStale = true; // a just-in-time binding made since the bindings were read
            } else if (cr.parent == null && !((Bean) found[1]).madeFree) {
                // provisioned at the top (getInstance, Provider.get outside any provision): a free instance
                ((Bean) found[1]).madeFree = true;
            }
            return;
        }
        if (cr.container != Creation.SPRING) {
            return;
        }
        // every prototype and request-scoped bean's creation comes here, on the application's
        // thread: once a bean was made free and its class is known there is nothing left to learn,
        // and that is found with one map lookup
        Container c = lastSpring;
        if (c == null || c.identity != cr.containerId) {
            c = spring.get(cr.containerId);
            if (c == null) {
                return;
            }
            lastSpring = c;
        }
        Bean b = c.beans.get((String) cr.key);
        if (b == null || b.madeFree && b.classKnown) {
            return;
        }
        if (!b.madeFree && rank(scopeOf(cr)) < 2 && !insideLongLived(cr.parent)) {
            b.madeFree = true;
        }
        if (b.className != null && byClass.containsKey(b.className)) {
            b.classKnown = true;
            return;
        }
        String cls = userClass(instance.getClass().getName());
        if (b.className == null) {
            b.className = cls;
        }
        byClass.putIfAbsent(cls, new Object[] {c, b});
        b.classKnown = cls.equals(b.className);
    }

    private static String scopeOf(Creation x) {
        return x.scope == null || x.scope.isEmpty() ? "singleton" : x.scope;
    }

    /** Is a Spring creation from {@code x} outwards of a long-lived scope? Reads the creations' own fields only. */
    private static boolean insideLongLived(Creation x) {
        for (; x != null; x = x.parent) {
            if (x.container == Creation.SPRING && rank(scopeOf(x)) >= 2) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void started(int kind, Object obj) {
        if (kind == Creation.SPRING) {
            springContainer(obj).startedAtMillis = System.currentTimeMillis();
        } else if (kind == Creation.GUICE) {
            Container c = new Container("guice-" + guiceSeq.incrementAndGet(), Creation.GUICE, obj);
            c.startedAtMillis = System.currentTimeMillis();
            guice.add(c);
            all.add(c);
            readGuice(c);
        }
    }

    private Container springContainer(Object factory) {
        int id = System.identityHashCode(factory);
        Container c = spring.get(id);
        if (c == null) {
            synchronized (spring) {
                c = spring.get(id);
                if (c == null) {
                    c = new Container("spring-" + springSeq.incrementAndGet(), Creation.SPRING, factory);
                    spring.put(id, c);
                    all.add(c);
                }
            }
        }
        return c;
    }

    private void put(Container c, String key, Bean b) {
        if (!c.beans.containsKey(key) && count.incrementAndGet() > MAX_COMPONENTS) {
            count.decrementAndGet();
            notKept.incrementAndGet();
            return;
        }
        b.key = key;
        c.beans.put(key, b);
        if (b.className != null) {
            byClass.putIfAbsent(b.className, new Object[] {c, b});
            b.classKnown = true;
        }
    }

    // ---------------------------------------------------------------- Spring definitions, by getters

    private static Bean readSpring(String name, Object def) {
        if (!implementsNamed(def.getClass(), BEAN_DEFINITION)) {
            return null;
        }
        String cls = (String) call(def, BEAN_DEFINITION, "getBeanClassName");
        String scope = (String) call(def, BEAN_DEFINITION, "getScope");
        String resource = (String) call(def, BEAN_DEFINITION, "getResourceDescription");
        String factoryBean = (String) call(def, BEAN_DEFINITION, "getFactoryBeanName");
        String factoryMethod = (String) call(def, BEAN_DEFINITION, "getFactoryMethodName");
        String declaring = null;
        Object metadata = implementsNamed(def.getClass(), ANNOTATED_DEFINITION)
                ? call(def, ANNOTATED_DEFINITION, "getFactoryMethodMetadata") : null;
        if (metadata != null) {
            declaring = (String) call(metadata, METHOD_METADATA, "getDeclaringClassName");
            if (cls == null) {
                cls = (String) call(metadata, METHOD_METADATA, "getReturnTypeName");
            }
        }
        String declaredAt;
        if (resource != null && isXml(resource)) {
            // <bean> in an XML file (its definitions carry no line: Spring's reader keeps no source
            // location by default); a factory-method bean says which method makes it
            declaredAt = "bean '" + name + "' in " + resource;
            if (factoryMethod != null) {
                declaredAt += " (factory method " + (factoryBean != null ? "of bean '" + factoryBean + "' " : "")
                        + (factoryBean == null && cls != null ? cls + "." : "") + factoryMethod + "())";
            }
        } else if (factoryMethod != null) {
            declaredAt = "@Bean " + (declaring != null ? declaring : factoryBean != null ? factoryBean : cls) + "." + factoryMethod + "()";
        } else if (SCOPED_PROXY.equals(cls)) {
            declaredAt = "scoped proxy of 'scopedTarget." + name + "'";
        } else if (cls != null && resource != null) {
            declaredAt = "component class " + cls;
        } else {
            declaredAt = "registered programmatically" + (cls != null ? " (" + cls + ")" : "");
        }
        if (resource != null && !declaredAt.contains(resource)) {
            declaredAt += " (" + resource + ")";
        }
        return new Bean(name, cls == null ? null : userClass(cls), scope == null || scope.isEmpty() ? "singleton" : scope, declaredAt, null);
    }

    /** {@code class path resource [beans.xml]}, {@code file [/etc/app/beans.xml]}, {@code URL [jar:...!/beans.xml]}. */
    static boolean isXml(String resourceDescription) {
        String r = resourceDescription.toLowerCase(java.util.Locale.ROOT);
        return r.endsWith(".xml]") || r.endsWith(".xml");
    }

    // ---------------------------------------------------------------- Guice bindings, by getters

    private void readGuice(Container c) {
        Object injector = c.ref.get();
        if (injector == null) {
            return;
        }
        c.lastReadNanos = System.nanoTime();
        try {
            ClassLoader l = injector.getClass().getClassLoader();
            Class<?> injectorType = Class.forName("com.google.inject.Injector", false, l);
            Class<?> bindingType = Class.forName("com.google.inject.Binding", false, l);
            Class<?> bindingImpl = Class.forName("com.google.inject.internal.BindingImpl", false, l);
            Class<?> hasDeps = Class.forName("com.google.inject.spi.HasDependencies", false, l);
            Class<?> linked = Class.forName("com.google.inject.spi.LinkedKeyBinding", false, l);
            Class<?> ctor = Class.forName("com.google.inject.spi.ConstructorBinding", false, l);
            Class<?> dependency = Class.forName("com.google.inject.spi.Dependency", false, l);
            Class<?> injectionPoint = Class.forName("com.google.inject.spi.InjectionPoint", false, l);
            Class<?> typeLiteral = Class.forName("com.google.inject.TypeLiteral", false, l);
            Class<?> keyType = Class.forName("com.google.inject.Key", false, l);
            Method getScoping = bindingImpl.getMethod("getScoping");
            Method getKeyOfDep = dependency.getMethod("getKey");
            Method rawType = typeLiteral.getMethod("getRawType");
            Method keyTypeLiteral = keyType.getMethod("getTypeLiteral");
            Method keyAnnotation = keyType.getMethod("getAnnotation");
            Method keyAnnotationType = keyType.getMethod("getAnnotationType");
            Map<?, ?> bindings = (Map<?, ?>) injectorType.getMethod("getAllBindings").invoke(injector);
            // custom scopes by their annotation: a built binding's scoping is the Scope instance
            // bindScope gave, whose toString is whatever its author wrote (often Object's)
            Map<Object, String> scopeNames = new java.util.IdentityHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) injectorType.getMethod("getScopeBindings").invoke(injector)).entrySet()) {
                scopeNames.put(e.getValue(), ((Class<?>) e.getKey()).getName());
            }
            for (Map.Entry<?, ?> e : bindings.entrySet()) {
                Object key = e.getKey();
                Object b = e.getValue();
                String k = key.toString();
                if (c.beans.containsKey(k)) {
                    continue;
                }
                Object lit = keyTypeLiteral.invoke(key);
                String raw = ((Class<?>) rawType.invoke(lit)).getName();
                if (raw.startsWith("com.google.inject.") || raw.equals("java.util.logging.Logger")) {
                    continue; // the injector's own bindings
                }
                Object ann = keyAnnotation.invoke(key);
                Object annType = ann == null ? keyAnnotationType.invoke(key) : null;
                String name = lit + (ann != null ? " " + ann : annType != null ? " @" + ((Class<?>) annType).getName() : "");
                String scope = bindingImpl.isInstance(b) ? guiceScope(getScoping.invoke(b), scopeNames) : "unknown";
                String cls = raw;
                String linkedKey = null;
                if (ctor.isInstance(b)) {
                    Object ip = ctor.getMethod("getConstructor").invoke(b);
                    Object declaring = injectionPoint.getMethod("getDeclaringType").invoke(ip);
                    cls = ((Class<?>) rawType.invoke(declaring)).getName();
                }
                if (linked.isInstance(b)) {
                    linkedKey = String.valueOf(linked.getMethod("getLinkedKey").invoke(b));
                }
                Set<String> ds = ConcurrentHashMap.newKeySet();
                if (hasDeps.isInstance(b)) {
                    for (Object d : (Set<?>) hasDeps.getMethod("getDependencies").invoke(b)) {
                        ds.add(String.valueOf(getKeyOfDep.invoke(d)));
                    }
                }
                if (linkedKey != null) {
                    ds.add(linkedKey);
                }
                c.deps.put(k, ds);
                Bean bean = new Bean(name, cls, scope, guiceSource(bindingType.getMethod("getSource").invoke(b)), linkedKey);
                put(c, k, bean);
            }
        } catch (Throwable t) {
            Faults.report("reading Guice bindings", t);
        }
    }

    /**
     * A binding's scope: {@code singleton}, {@code eager-singleton}, {@code unscoped}, or a custom
     * scope's annotation ({@code com.acme.BatchScoped}), found from its {@code Scoping}'s
     * annotation, else from the Scope instance the injector has bound to an annotation.
     */
    static String guiceScope(Object scoping, Map<Object, String> scopeNames) {
        String s = guiceScope(String.valueOf(scoping));
        if (!s.equals(String.valueOf(scoping)) || scoping == null) {
            return s; // one of Guice's own
        }
        // through the public class: the scoping itself is an instance of an anonymous subclass
        Object annotation = call(scoping, SCOPING, "getScopeAnnotation");
        if (annotation instanceof Class) {
            return guiceScope(((Class<?>) annotation).getName());
        }
        Object instance = call(scoping, SCOPING, "getScopeInstance");
        String named = instance == null ? null : scopeNames.get(instance);
        return named != null ? guiceScope(named) : s;
    }

    static String guiceScope(String scoping) {
        switch (scoping) {
            case "eager singleton": return "eager-singleton";
            case "Scopes.SINGLETON":
            case "com.google.inject.Singleton":
            case "jakarta.inject.Singleton":
            case "javax.inject.Singleton": return "singleton";
            case "Scopes.NO_SCOPE": return "unscoped";
            default: return scoping;
        }
    }

    private static String guiceSource(Object source) {
        if (source == null) {
            return null;
        }
        if (implementsNamed(source.getClass(), "com.google.inject.spi.ElementSource")) {
            Object declaring = call(source, "com.google.inject.spi.ElementSource", "getDeclaringSource");
            if (declaring != null) {
                source = declaring;
            }
        }
        if (source instanceof StackTraceElement) {
            return "binding at " + SiteDecoder.format((StackTraceElement) source);
        }
        if (source instanceof Method) {
            Method m = (Method) source;
            return "@Provides " + m.getDeclaringClass().getName() + "." + m.getName() + "()";
        }
        if (source instanceof Class) {
            return "just-in-time binding of " + ((Class<?>) source).getName();
        }
        if (source instanceof java.lang.reflect.Constructor) {
            return "just-in-time binding of " + ((java.lang.reflect.Constructor<?>) source).getDeclaringClass().getName();
        }
        return String.valueOf(source);
    }

    // ---------------------------------------------------------------- scopes

    /** 3: lives as long as the container; 2: a session; 1: a request or an unknown custom scope; 0: per resolve. */
    static int rank(String scope) {
        if (scope == null) {
            return 1;
        }
        switch (scope) {
            case "singleton":
            case "eager-singleton":
            case "application": return 3;
            case "session":
            case "websocket": return 2;
            case "prototype":
            case "unscoped": return 0;
            default:
                String s = scope.toLowerCase(java.util.Locale.ROOT);
                return s.contains("singleton") ? 3 : s.contains("session") ? 2 : 1;
        }
    }

    // ---------------------------------------------------------------- attribution

    @Override
    public Component componentOf(Hold h, StackTraceElement[] frames) {
        Creation c = h.creation();
        if (c != null) {
            List<Frame> chain = chain(c);
            return chain.isEmpty() ? null : chain.get(0).component;
        }
        if (frames == null) {
            return null;
        }
        if (guiceStale) {
            guiceStale = false;
            for (Container g : guice) {
                readGuice(g); // just-in-time bindings, so that the classes they made are known
            }
        }
        if (byClass.isEmpty()) {
            return null;
        }
        for (StackTraceElement f : frames) {
            String cls = f.getClassName();
            if (cls.startsWith(Config.AGENT_PACKAGES + ".")) { // the agent's own frames
                continue;
            }
            String user = userClass(cls);
            if (decoder.isFramework(user)) {
                continue;
            }
            Object[] hit = byClass.get(user);
            if (hit != null) {
                Container ct = (Container) hit[0];
                Bean b = (Bean) hit[1];
                return component(ct, b, b.name, b.scope);
            }
        }
        return null;
    }

    @Override
    public String transactionalOf(Hold h) {
        Object t = h.transactional();
        if (!(t instanceof Components.Tx)) {
            return null;
        }
        Components.Tx tx = (Components.Tx) t;
        Class<?> c = tx.targetClass != null ? tx.targetClass : tx.method.getDeclaringClass();
        return userClass(c.getName()) + "." + tx.method.getName();
    }

    @Override
    public Captive captiveOf(Hold h) {
        Creation c = h.creation();
        if (c == null || !h.isOpen()) {
            return null;
        }
        List<Frame> chain = chain(c);
        int taker = chain.isEmpty() ? 3 : rank(chain.get(0).component.scope);
        if (taker >= 3) {
            return null; // taken by a component as long-lived as the container: a long hold or a leak, not a capture
        }
        for (int j = 1; j < chain.size(); j++) {
            Frame holder = chain.get(j);
            int r = rank(holder.component.scope);
            if (r < 2 || r <= taker) {
                continue; // not longer-lived than the component that took it (a session's own connection is its own)
            }
            Frame captured = chain.get(j - 1);
            if (holder.state != Creation.DONE || captured.state != Creation.DONE || rank(captured.component.scope) >= r) {
                return null; // still being built (judged on a later pass), or it failed
            }
            Set<String> deps = holder.container == null ? null : holder.container.deps.get(holder.edgeKey);
            if (deps == null || !deps.contains(captured.edgeKey)) {
                return null; // created while the holder was built, but not given to it
            }
            return new Captive(holder.component, captured.component, chain.get(0).component, "injected", false);
        }
        return null;
    }

    @Override
    public Captive capturedUserOf(Component taker, boolean pastThreshold, boolean severalThreads) {
        if (taker == null || rank(taker.scope) >= 2 || !pastThreshold && !severalThreads) {
            return null;
        }
        Container c = null;
        for (Container x : all) {
            if (x.id.equals(taker.container)) {
                c = x;
                break;
            }
        }
        Bean b = c == null ? null : c.kind == Creation.SPRING ? c.beans.get(taker.name) : guiceBeanNamed(c, taker.name);
        if (b == null || b.key == null) {
            return null;
        }
        if (b.madeFree && !severalThreads) {
            // instances of it are also made per call (through a provider, getBean): attribution is
            // by class, so only a connection several threads used says it is the captured instance's
            return null;
        }
        Set<String> keys = new java.util.HashSet<>();
        keys.add(b.key);
        if (c.kind == Creation.GUICE) {
            for (Bean l : c.beans.values()) { // bind(Api).to(Impl), unscoped: given Api is given Impl
                if (b.key.equals(l.linkedKey) && rank(l.scope) <= rank(b.scope) && l.key != null) {
                    keys.add(l.key);
                }
            }
        }
        Bean holder = null;
        int holderRank = Math.max(2, rank(b.scope) + 1);
        for (Map.Entry<String, Set<String>> e : c.deps.entrySet()) {
            if (keys.contains(e.getKey()) || java.util.Collections.disjoint(e.getValue(), keys)) {
                continue;
            }
            Bean d = c.beans.get(e.getKey());
            if (d != null && rank(d.scope) >= holderRank) {
                holder = d;
                holderRank = rank(d.scope) + 1; // the longest-lived one that was given it
            }
        }
        if (holder == null) {
            return null;
        }
        return new Captive(component(c, holder, holder.name, holder.scope), taker, taker, "injected", true);
    }

    private static Bean guiceBeanNamed(Container c, String name) {
        for (Bean b : c.beans.values()) {
            if (b.name.equals(name)) {
                return b;
            }
        }
        return null;
    }

    /** The creations from {@code c} outwards, as components; Guice links merged with their targets. */
    List<Frame> chain(Creation c) {
        List<Frame> out = new ArrayList<>();
        for (Creation x = c; x != null; x = x.parent) {
            Frame f = frame(x);
            if (f == null) {
                continue;
            }
            if (!out.isEmpty() && f.linkedKey != null && f.linkedKey.equals(out.get(out.size() - 1).edgeKey)) {
                Frame target = out.remove(out.size() - 1);
                // bind(Api).to(Impl): one component; it lives as long as the longer of the two scopes
                String scope = rank(target.component.scope) > rank(f.component.scope) ? target.component.scope : f.component.scope;
                Component m = new Component(f.component.container, f.component.name,
                        target.component.className, scope, f.component.declaredAt);
                f = new Frame(f.container, m, f.edgeKey, f.state, null);
            }
            out.add(f);
        }
        return out;
    }

    private Frame frame(Creation x) {
        Object r = x.resolved();
        if (r instanceof Frame) {
            Frame f = (Frame) r;
            return f.state == x.state() ? f : new Frame(f.container, f.component, f.edgeKey, x.state(), f.linkedKey);
        }
        if (x.container == Creation.SPRING) {
            Container c = spring.get(x.containerId);
            String name = (String) x.key;
            String scope = x.scope == null || x.scope.isEmpty() ? "singleton" : x.scope;
            Bean b = c == null ? null : c.beans.get(name);
            Frame f = new Frame(c, component(c, b, name, scope), name, x.state(), null);
            if (b != null && b.className != null) {
                x.resolve(new Frame(c, f.component, name, x.state(), null));
            }
            return f;
        }
        if (x.container == Creation.GUICE && x.key != null) {
            String k = x.key.toString();
            Object[] found = findGuice(k);
            if (found == null) {
                for (Container c : guice) {
                    if (System.nanoTime() - c.lastReadNanos > 100_000_000L) {
                        readGuice(c); // a just-in-time binding made since
                    }
                }
                found = findGuice(k);
            }
            if (found == null) {
                return new Frame(null, new Component("guice", k, null, "unknown", null), k, x.state(), null);
            }
            Container c = (Container) found[0];
            Bean b = (Bean) found[1];
            Frame f = new Frame(c, component(c, b, b.name, b.scope), k, x.state(), b.linkedKey);
            x.resolve(f);
            return f;
        }
        return null;
    }

    private Object[] findGuice(String key) {
        for (Container c : guice) {
            Bean b = c.beans.get(key);
            if (b != null) {
                return new Object[] {c, b};
            }
        }
        return null;
    }

    private static Component component(Container c, Bean b, String name, String scope) {
        return new Component(c == null ? "spring" : c.id, name, b == null ? null : b.className, scope,
                b == null ? null : b.declaredAt);
    }

    // ---------------------------------------------------------------- report

    /** The report's {@code components} section. */
    public Map<String, Object> toReport() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Map<String, Object>> containers = new ArrayList<>();
        List<Map<String, Object>> registrations = new ArrayList<>();
        for (Container c : all) {
            if (c.kind == Creation.GUICE && System.nanoTime() - c.lastReadNanos > 1_000_000_000L) {
                readGuice(c); // just-in-time bindings made since
            }
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("id", c.id);
            cm.put("kind", c.kind == Creation.SPRING ? "spring" : "guice");
            cm.put("started", c.startedAtMillis != 0L);
            if (c.startedAtMillis != 0L) {
                cm.put("startedAt", Instant.ofEpochMilli(c.startedAtMillis).toString());
            }
            cm.put("registrations", c.beans.size());
            containers.add(cm);
            List<Bean> beans = new ArrayList<>(c.beans.values());
            beans.sort(Comparator.comparing(b -> b.name));
            for (Bean b : beans) {
                registrations.add(toMap(component(c, b, b.name, b.scope)));
            }
        }
        m.put("containers", containers);
        m.put("registrations", registrations);
        m.put("notKept", notKept.get());
        return m;
    }

    /** A component as the report shows it. */
    public static Map<String, Object> toMap(Component c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("container", c.container);
        m.put("name", c.name);
        if (c.className != null) {
            m.put("class", c.className);
        }
        m.put("scope", c.scope);
        if (c.declaredAt != null) {
            m.put("declaredAt", c.declaredAt);
        }
        return m;
    }

    public boolean isEmpty() {
        return all.isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    /** {@code com.acme.Foo$$SpringCGLIB$$0} and {@code com.acme.Foo$$EnhancerByGuice$$1} are {@code com.acme.Foo}. */
    static String userClass(String name) {
        int i = name.indexOf("$$");
        return i > 0 ? name.substring(0, i) : name;
    }

    /** Is {@code c} (or a superclass, or an interface of either) named {@code type}? */
    /**
     * Per class of the containers' objects (bean definitions, scopings, sources): which named
     * interfaces it implements, and each getter found through one. Looked up once per class, not
     * once per bean: a Spring context registers hundreds of definitions of a handful of classes.
     * Kept with the class, so nothing here holds a class loader.
     */
    private static final ClassValue<ConcurrentHashMap<String, Lookups>> LOOKUPS = new ClassValue<>() {
        @Override
        protected ConcurrentHashMap<String, Lookups> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    };
    /** No such getter, in {@link Lookups#getters}. */
    private static final Object NONE = new Object();

    /** One class's lookups through one named interface: no key is built per call. */
    private static final class Lookups {
        /** Whether the class implements the interface by its name, in any loader; null until asked. */
        volatile Boolean implemented;
        /** The getters by name ({@link MethodHandle}, or {@link #NONE}). */
        final ConcurrentHashMap<String, Object> getters = new ConcurrentHashMap<>();
        /** The interface as the class's loader sees it ({@link Class}, or {@link #NONE}); null until asked. */
        volatile Object type;
    }

    /**
     * Each interface's getters, shared by every class that implements it (a Spring start reads
     * definitions of half a dozen classes: each getter is looked up and adapted once, not once
     * per class).
     */
    private static final ClassValue<ConcurrentHashMap<String, MethodHandle>> GETTERS = new ClassValue<>() {
        @Override
        protected ConcurrentHashMap<String, MethodHandle> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    };

    private static Lookups lookups(Class<?> c, String iface) {
        ConcurrentHashMap<String, Lookups> byInterface = LOOKUPS.get(c);
        Lookups l = byInterface.get(iface);
        if (l == null) {
            Lookups fresh = new Lookups();
            l = byInterface.putIfAbsent(iface, fresh);
            if (l == null) {
                l = fresh;
            }
        }
        return l;
    }

    private static boolean implementsNamed(Class<?> c, String iface) {
        Lookups l = lookups(c, iface);
        Boolean is = l.implemented;
        if (is == null) {
            is = implementsNamedWalk(c, iface);
            l.implemented = is;
        }
        return is;
    }

    private static boolean implementsNamedWalk(Class<?> c, String iface) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (k.getName().equals(iface)) {
                return true;
            }
            for (Class<?> i : k.getInterfaces()) {
                if (i.getName().equals(iface) || implementsNamedWalk(i, iface)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A public interface's getter, called through the interface (the implementation may be a
     * private class), by a method handle: on JDK 17 a reflective {@code Method.invoke} runs JNI
     * calls, then generates a class per method, and checks its caller every call (a Spring start
     * reads half a dozen getters of some hundreds of definitions, on its main thread).
     */
    private static Object call(Object target, String iface, String method) {
        try {
            Lookups l = lookups(target.getClass(), iface);
            Object m = l.getters.get(method);
            if (m == null) {
                Object t = l.type;
                if (t == null) {
                    try {
                        Class<?> i = Class.forName(iface, false, target.getClass().getClassLoader()); // an interface or a public class
                        t = i.isInstance(target) ? i : NONE;
                    } catch (ClassNotFoundException notVisible) {
                        t = NONE;
                    }
                    l.type = t;
                }
                try {
                    m = t == NONE ? NONE : getter((Class<?>) t, method);
                } catch (ReflectiveOperationException noSuchGetter) { // another version's interface: asked once
                    m = NONE;
                }
                l.getters.put(method, m);
            }
            return m == NONE ? null : (Object) ((MethodHandle) m).invokeExact(target);
        } catch (Throwable e) {
            return null;
        }
    }

    /** The interface's public no-argument method, as {@link #GETTER}; made once per interface and name. */
    private static MethodHandle getter(Class<?> type, String method) throws ReflectiveOperationException {
        ConcurrentHashMap<String, MethodHandle> byName = GETTERS.get(type);
        MethodHandle h = byName.get(method);
        if (h == null) {
            h = MethodHandles.publicLookup().unreflect(type.getMethod(method)).asType(GETTER);
            MethodHandle raced = byName.putIfAbsent(method, h);
            if (raced != null) {
                h = raced;
            }
        }
        return h;
    }

    /** A getter's type as {@link #call} invokes it. */
    private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);

    Collection<Container> containers() {
        return all;
    }
}
