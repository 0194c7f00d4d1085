package io.holdtrace.instrumentation;

import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.TypeResolutionStrategy;
import net.bytebuddy.dynamic.VisibilityBridgeStrategy;
import net.bytebuddy.dynamic.scaffold.InstrumentedType;
import net.bytebuddy.dynamic.scaffold.MethodGraph;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.matcher.LatentMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * The {@link Weaver}'s Byte Buddy part: the weaves that are a {@link Weave.Change} (advice), one
 * rare case. A class of its own so that the agent's start loads none of Byte Buddy's types: the
 * JVM verifying a class loads the types its code assigns to one another, and these were a dozen.
 */
final class AdviceWeaver {

    private final ClassFileLocator extraClassFiles;
    private final Map<ClassLoader, TypePool.CacheProvider> pools = new WeakHashMap<>();
    private final ByteBuddy byteBuddy = new ByteBuddy()
            .with(TypeValidation.DISABLED)
            .with(Implementation.Context.Disabled.Factory.INSTANCE) // no member added: retransformable
            .with(InstrumentedType.Factory.Default.FROZEN)
            .with(VisibilityBridgeStrategy.Default.NEVER)
            // advice changes declared methods only: no graph of the whole hierarchy (which
            // described every supertype, through the loader's jars, for each class woven)
            .with(MethodGraph.Compiler.ForDeclaredMethods.INSTANCE);

    AdviceWeaver(ClassFileLocator extraClassFiles) {
        this.extraClassFiles = extraClassFiles;
    }

    /** Byte Buddy's weave of the advice changes. */
    byte[] weave(ClassLoader loader, String name, byte[] bytes, List<Weave> changes) {
        ClassFileLocator locator = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(name, bytes),
                loader == null ? ClassFileLocator.ForClassLoader.ofBootLoader()
                        : ClassFileLocator.ForClassLoader.WeaklyReferenced.of(loader),
                extraClassFiles);
        // the class itself is described from the bytes given (an earlier transformer may have
        // changed its shape), never from the cache, which holds what its loader's resources say.
        // Lazily: a type named in a signature is read only if more than its name is asked for
        // (a redefinition compares every declared method's parameter and return types by name;
        // read eagerly, they were 40% of the weave of Spring's bean factory, class files read
        // through the application's loader)
        TypePool pool = new TypePool.Default.WithLazyResolution(new TypePool.CacheProvider.Discriminating(ElementMatchers.is(name),
                new TypePool.CacheProvider.Simple(), pool(loader)), locator, TypePool.Default.ReaderMode.FAST);
        TypeDescription type = pool.describe(name).resolve();
        DynamicType.Builder<?> b = byteBuddy.redefine(type, locator)
                .ignoreAlso(LatentMatcher.ForSelfDeclaredMethod.NOT_DECLARED);
        for (Weave w : changes) {
            b = w.change.apply(b, type);
        }
        return b.make(TypeResolutionStrategy.Disabled.INSTANCE, pool).getBytes();
    }

    private TypePool.CacheProvider pool(ClassLoader loader) {
        synchronized (pools) {
            return pools.computeIfAbsent(loader, l -> new BoundedCache());
        }
    }

    /**
     * The descriptions Byte Buddy reads while weaving one loader's classes (their supertypes, the
     * types their advice names), kept between weaves; emptied when it holds {@link Weaver#MAX_TYPES}.
     * They reach their loader only through weakly referencing class file locators.
     */
    static final class BoundedCache implements TypePool.CacheProvider {
        private final ConcurrentHashMap<String, TypePool.Resolution> types = new ConcurrentHashMap<>();

        @Override
        public TypePool.Resolution find(String name) {
            return types.get(name);
        }

        @Override
        public TypePool.Resolution register(String name, TypePool.Resolution resolution) {
            if (types.size() >= Weaver.MAX_TYPES) {
                types.clear();
            }
            TypePool.Resolution prior = types.putIfAbsent(name, resolution);
            return prior != null ? prior : resolution;
        }

        @Override
        public void clear() {
            types.clear();
        }
    }
}
