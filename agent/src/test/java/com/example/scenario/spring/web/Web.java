package com.example.scenario.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Requests and sessions the way a servlet container hands them to Spring, without a container:
 * a request and a session (the servlet API's interfaces, backed by maps) wrapped in spring-web's
 * own ServletRequestAttributes, bound to the thread for the request's duration and completed at
 * its end (which runs the request scope's destruction callbacks), on long-lived worker threads
 * named request-1, request-2, ... like a container's. Invalidating a session unbinds its
 * attributes, which runs the session scope's destruction callbacks, as a container does.
 */
public final class Web implements AutoCloseable {

    private final List<ExecutorService> workers = new ArrayList<>();

    public Web(int threads) {
        for (int i = 1; i <= threads; i++) {
            String name = "request-" + i;
            workers.add(Executors.newSingleThreadExecutor(r -> new Thread(r, name)));
        }
    }

    /** Runs {@code body} as one request of {@code session} on worker {@code n} (1-based), and waits for it. */
    public <T> T request(int n, HttpSession session, Callable<T> body) throws Exception {
        return workers.get(n - 1).submit(() -> {
            ServletRequestAttributes attributes = new ServletRequestAttributes(request(session));
            RequestContextHolder.setRequestAttributes(attributes);
            try {
                return body.call();
            } finally {
                attributes.requestCompleted();
                RequestContextHolder.resetRequestAttributes();
            }
        }).get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        for (ExecutorService w : workers) {
            w.shutdown();
            w.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    public static HttpSession session(String id) {
        Map<String, Object> attributes = new ConcurrentHashMap<>();
        HttpSession[] self = new HttpSession[1];
        self[0] = (HttpSession) Proxy.newProxyInstance(Web.class.getClassLoader(), new Class<?>[] {HttpSession.class},
                (proxy, m, args) -> {
                    switch (m.getName()) {
                        case "getId": return id;
                        case "getAttribute": return attributes.get((String) args[0]);
                        case "getAttributeNames": return Collections.enumeration(new ArrayList<>(attributes.keySet()));
                        case "setAttribute":
                            if (args[1] == null) {
                                unbind(self[0], (String) args[0], attributes.remove((String) args[0]));
                            } else {
                                attributes.put((String) args[0], args[1]);
                            }
                            return null;
                        case "removeAttribute":
                            unbind(self[0], (String) args[0], attributes.remove((String) args[0]));
                            return null;
                        case "invalidate":
                            for (String name : new ArrayList<>(attributes.keySet())) {
                                unbind(self[0], name, attributes.remove(name));
                            }
                            return null;
                        default: return objectMethod(proxy, m, args, "session " + id);
                    }
                });
        return self[0];
    }

    private static void unbind(HttpSession session, String name, Object value) {
        if (value instanceof HttpSessionBindingListener) {
            ((HttpSessionBindingListener) value).valueUnbound(new HttpSessionBindingEvent(session, name, value));
        }
    }

    private static HttpServletRequest request(HttpSession session) {
        Map<String, Object> attributes = new ConcurrentHashMap<>();
        return (HttpServletRequest) Proxy.newProxyInstance(Web.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class},
                (proxy, m, args) -> {
                    switch (m.getName()) {
                        case "getSession": return session;
                        case "getAttribute": return attributes.get((String) args[0]);
                        case "getAttributeNames": return Collections.enumeration(new ArrayList<>(attributes.keySet()));
                        case "setAttribute": attributes.put((String) args[0], args[1]); return null;
                        case "removeAttribute": attributes.remove((String) args[0]); return null;
                        default: return objectMethod(proxy, m, args, "request");
                    }
                });
    }

    private static Object objectMethod(Object proxy, Method m, Object[] args, String text) {
        switch (m.getName()) {
            case "hashCode": return System.identityHashCode(proxy);
            case "equals": return proxy == args[0];
            case "toString": return text;
            default: throw new UnsupportedOperationException(m.getName() + " (not needed by these scenarios)");
        }
    }
}
