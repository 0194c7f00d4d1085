package io.holdtrace.sample.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.holdtrace.sample.load.LoadOptions.Target;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    @Test
    void defaultsToTenClosedLoopClientsForThirtySecondsOnLocalhost() {
        LoadOptions options = LoadOptions.parse("--path=/healthy/orders");

        assertThat(options.baseUri()).isEqualTo(URI.create("http://127.0.0.1:8080"));
        assertThat(options.targets()).containsExactly(new Target("/healthy/orders", 1));
        assertThat(options.openModel()).isFalse();
        assertThat(options.clients()).isEqualTo(10);
        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(options.warmup()).isZero();
        assertThat(options.maxRequests()).isEqualTo(Long.MAX_VALUE);
        assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void readsWeightedPathsAndTheOpenModel() {
        LoadOptions options = LoadOptions.parse("--url=http://localhost:9000", "--path=/b/checkout?product=2:3",
                "--path=/a/report", "--rate=12.5", "--duration=2m", "--requests=500", "--timeout=1500ms",
                "--max-in-flight=40", "--warmup=90s");

        assertThat(options.targets()).containsExactly(
                new Target("/b/checkout?product=2", 3), new Target("/a/report", 1));
        assertThat(options.openModel()).isTrue();
        assertThat(options.rate()).isEqualTo(12.5);
        assertThat(options.duration()).isEqualTo(Duration.ofMinutes(2));
        assertThat(options.warmup()).isEqualTo(Duration.ofSeconds(90));
        assertThat(options.maxRequests()).isEqualTo(500);
        assertThat(options.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(options.maxInFlight()).isEqualTo(40);
        assertThat(options.uri(options.targets().get(0))).isEqualTo(URI.create("http://localhost:9000/b/checkout?product=2"));
    }

    @Test
    void aBareDurationIsSeconds() {
        assertThat(LoadOptions.parse("--path=/", "--duration=45").duration()).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void refusesANonLoopbackHostUnlessAllowed() {
        assertThatThrownBy(() -> LoadOptions.parse("--url=http://10.1.2.3:8080", "--path=/"))
                .hasMessageContaining("not a loopback address").hasMessageContaining("--allow-remote");

        assertThat(LoadOptions.parse("--url=http://10.1.2.3:8080", "--path=/", "--allow-remote").baseUri().getHost())
                .isEqualTo("10.1.2.3");
        assertThat(LoadOptions.parse("--url=http://[::1]:8080", "--path=/").baseUri().getHost()).isEqualTo("[::1]");
    }

    @Test
    void refusesUnboundedOrMalformedRuns() {
        assertThatThrownBy(() -> LoadOptions.parse("--clients=4")).hasMessageContaining("--path");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", "--clients=4", "--rate=10")).hasMessageContaining("exclude");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", "--duration=2h")).hasMessageContaining("at most");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", "--duration=0s")).hasMessageContaining("above 0");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", "--warmup=2h")).hasMessageContaining("--warmup", "at most");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", "--warmup=soon")).hasMessageContaining("--warmup");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", "--duration=soon")).hasMessageContaining("500ms");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", "--clients=0")).hasMessageContaining("[1, 1000]");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", "--rate=-1")).hasMessageContaining("--rate");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", "--requests=0")).hasMessageContaining("--requests");
        assertThatThrownBy(() -> LoadOptions.parse("--path=orders")).hasMessageContaining("start with '/'");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", "--url=ftp://127.0.0.1/")).hasMessageContaining("http");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", "--verbose")).hasMessageContaining("unknown");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", "--threads=3")).hasMessageContaining("unknown option --threads");
    }
}
