package io.holdtrace.agent;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.pool.TypePool;

/**
 * The type descriptions Byte Buddy reads to match classes, kept from one class load to the
 * next, per class loader. Without it each class's matching parses again every supertype it
 * names (a super-type matcher walks them all), from the loader's jars: at a Spring Boot
 * start-up, thousands of classes times their hierarchies.
 *
 * <p>Safe to keep: the loaders are keys of a weak map, and the descriptions reach their loader
 * only through weakly referencing class file locators
 * ({@link AgentBuilder.LocationStrategy.ForClassLoader#WEAK}), so a loader that goes away takes
 * its descriptions with it. Bounded: a loader's cache is emptied when it reaches
 * {@link #MAX_TYPES} descriptions.
 */
final class TypePoolCache extends AgentBuilder.PoolStrategy.WithTypePoolCache {

    static final int MAX_TYPES = 8192;

    private final Map<ClassLoader, TypePool.CacheProvider> caches = new WeakHashMap<>();

    TypePoolCache() {
        super(TypePool.Default.ReaderMode.FAST);
    }

    @Override
    protected TypePool.CacheProvider locate(ClassLoader loader) {
        synchronized (caches) {
            return caches.computeIfAbsent(loader, l -> new Bounded());
        }
    }

    /** Descriptions of one loader's types, emptied when full. */
    static final class Bounded implements TypePool.CacheProvider {
        private final ConcurrentHashMap<String, TypePool.Resolution> types = new ConcurrentHashMap<>();

        @Override
        public TypePool.Resolution find(String name) {
            return types.get(name);
        }

        @Override
        public TypePool.Resolution register(String name, TypePool.Resolution resolution) {
            if (types.size() >= MAX_TYPES) {
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
