package com.example.scenario.spring.healthy;

import java.util.HashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectFactory;
import org.springframework.beans.factory.config.Scope;

/** A scope per call on a thread, like a request: objects made in it are closed when it ends. */
public class CallScope implements Scope {

    private static final ThreadLocal<Map<String, Object>> CURRENT = new ThreadLocal<>();

    public static void run(Runnable r) throws Exception {
        Map<String, Object> objects = new HashMap<>();
        CURRENT.set(objects);
        try {
            r.run();
        } finally {
            CURRENT.remove();
            for (Object o : objects.values()) {
                if (o instanceof AutoCloseable) {
                    ((AutoCloseable) o).close();
                }
            }
        }
    }

    @Override
    public Object get(String name, ObjectFactory<?> factory) {
        return CURRENT.get().computeIfAbsent(name, n -> factory.getObject());
    }

    @Override
    public Object remove(String name) {
        return CURRENT.get().remove(name);
    }

    @Override
    public void registerDestructionCallback(String name, Runnable callback) {
    }

    @Override
    public Object resolveContextualObject(String key) {
        return null;
    }

    @Override
    public String getConversationId() {
        return null;
    }
}
