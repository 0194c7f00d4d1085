package com.example.scenario.spring.healthy;

import com.example.scenario.spring.DataConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;

/**
 * Every not-a-finding case, in one singleton: it keeps a DataSource (and takes a connection per
 * call from it), gets the prototype per call through ObjectProvider and through
 * jakarta.inject.Provider, and the scoped component through its scoped proxy.
 */
@Service
public class Calls {

    private final DataSource dataSource;
    private final ObjectProvider<DataConnection> perCall;
    private final jakarta.inject.Provider<DataConnection> provider;
    private final ScopedData scoped;

    public Calls(DataSource dataSource, ObjectProvider<DataConnection> perCall,
                 jakarta.inject.Provider<DataConnection> provider, ScopedData scoped) {
        this.dataSource = dataSource;
        this.perCall = perCall;
        this.provider = provider;
        this.scoped = scoped;
    }

    public void run() throws Exception {
        AtomicReference<Exception> failed = new AtomicReference<>();
        for (String name : new String[] {"request-1", "request-2"}) {
            Thread t = new Thread(() -> {
                try {
                    once();
                } catch (Exception e) {
                    failed.set(e);
                }
            }, name);
            t.start();
            t.join();
        }
        if (failed.get() != null) {
            throw failed.get();
        }
    }

    private void once() throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.createStatement().close();
        }
        try (DataConnection d = perCall.getObject()) {
            d.count();
        }
        try (DataConnection d = provider.get()) {
            d.count();
        }
        CallScope.run(() -> {
            try {
                scoped.use();
            } catch (SQLException e) {
                throw new RuntimeException(e);
            }
        });
    }
}
