package io.holdtrace.sample;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.holdtrace.sample.downstream.DownstreamServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * Base of the tests that start the whole app on a random port, without any agent, and watch the
 * pool from outside through HikariCP's own gauges.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // Several test contexts run at once; their pools share the name "sample", so only one could own the MBean name.
        "spring.datasource.hikari.register-mbeans=false",
        // Long enough that a test can look at the pool while the auth call is in flight.
        "sample.downstream.auth-latency=500ms"})
@Import(CallSiteRecorder.class)
abstract class SampleAppTestSupport {

    static final Duration AUTH_LATENCY = Duration.ofMillis(500);

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @LocalServerPort
    int port;
    @Autowired
    DataSource dataSource;
    @Autowired
    DownstreamServer downstream;
    @Autowired
    CallSiteRecorder callSites;

    record Answer(int status, String body, Duration elapsed) {
    }

    Answer get(String path) {
        return getAsync(path).join();
    }

    CompletableFuture<Answer> getAsync(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).build();
        long start = System.nanoTime();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Answer(r.statusCode(), r.body(), Duration.ofNanos(System.nanoTime() - start)));
    }

    HikariPoolMXBean pool() {
        try {
            return dataSource.unwrap(HikariDataSource.class).getHikariPoolMXBean();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    int active() {
        return pool().getActiveConnections();
    }

    /**
     * Calls {@code path} and returns the pool's active connections at the moment the downstream
     * received the request's auth call, i.e. in the middle of that call.
     */
    int activeDuringAuthCall(String path, int expectedStatus) {
        return activeDuringDownstreamCall(path, expectedStatus, downstream::authRequests);
    }

    int activeDuringDownstreamCall(String path, int expectedStatus, LongSupplier downstreamRequests) {
        long before = downstreamRequests.getAsLong();
        CompletableFuture<Answer> answer = getAsync(path);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (downstreamRequests.getAsLong() == before && System.nanoTime() < deadline && !answer.isDone()) {
            LockSupport.parkNanos(1_000_000);
        }
        int active = active();
        assertThat(downstreamRequests.getAsLong()).as("downstream calls made by " + path).isGreaterThan(before);
        assertThat(answer.join().status()).isEqualTo(expectedStatus);
        return active;
    }
}
