package io.holdtrace.sample;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Records the application frames on the stack of every {@code DataSource.getConnection()} call,
 * to pin down the call sites that a connection-leak agent has to report. The DataSource is
 * wrapped as soon as Spring creates it, before anything can take a connection from it.
 */
public final class CallSiteRecorder implements BeanPostProcessor {

    private static final String APPLICATION = "io.holdtrace.sample.";

    private final List<List<String>> acquisitions = new CopyOnWriteArrayList<>();

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        return bean instanceof DataSource dataSource && !(bean instanceof Recording)
                ? new Recording(dataSource) : bean;
    }

    /** How many acquisitions were recorded so far, to pass to {@link #since(int)} later. */
    public int mark() {
        return acquisitions.size();
    }

    /**
     * The application frames of each acquisition after {@code mark}, innermost first, e.g.
     * {@code [captive.DataConnection.<init>, captive.PerCallReportingService.report, ...]}.
     */
    public List<List<String>> since(int mark) {
        List<List<String>> all = List.copyOf(acquisitions);
        return all.subList(mark, all.size());
    }

    private void record() {
        acquisitions.add(Arrays.stream(new Throwable().getStackTrace())
                .filter(frame -> frame.getClassName().startsWith(APPLICATION))
                .filter(frame -> !frame.getClassName().startsWith(CallSiteRecorder.class.getName()))
                .map(frame -> frame.getClassName().substring(APPLICATION.length()) + "." + frame.getMethodName())
                .toList());
    }

    private final class Recording extends DelegatingDataSource {

        Recording(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            record();
            return super.getConnection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            record();
            return super.getConnection(username, password);
        }
    }
}
