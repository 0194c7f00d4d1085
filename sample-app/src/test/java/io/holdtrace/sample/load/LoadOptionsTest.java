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

    @Test
    void readsServersToAlternateBetween() {
        LoadOptions options = LoadOptions.parse("--server=none=http://127.0.0.1:8081@4242", "--server=holdtrace=http://localhost:8082",
                "--path=/healthy/orders", "--window=5s", "--settle=500ms", "--clients=8");

        assertThat(options.alternating()).isTrue();
        assertThat(options.servers()).containsExactly(
                new LoadOptions.Server("none", URI.create("http://127.0.0.1:8081"), 4242),
                new LoadOptions.Server("holdtrace", URI.create("http://localhost:8082"), -1));
        assertThat(options.window()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.settle()).isEqualTo(Duration.ofMillis(500));
        LoadOptions plain = LoadOptions.parse("--path=/");
        assertThat(plain.alternating()).isFalse();
        assertThat(plain.window()).isEqualTo(Duration.ofSeconds(10));
        assertThat(plain.settle()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void alternatesAnOpenModelToo() {
        LoadOptions o = LoadOptions.parse("--path=/", "--server=a=http://127.0.0.1:1", "--server=b=http://127.0.0.1:2",
                "--rate=2000", "--max-in-flight=64");
        assertThat(o.alternating()).isTrue();
        assertThat(o.openModel()).isTrue();
        assertThat(o.rate()).isEqualTo(2000.0);
        assertThat(o.maxInFlight()).isEqualTo(64);
    }

    @Test
    void refusesAlternationItCannotRun() {
        String a = "--server=a=http://127.0.0.1:1";
        String b = "--server=b=http://127.0.0.1:2";
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", a)).hasMessageContaining("give 2 to 4 --server");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", a, b, "--server=c=http://127.0.0.1:3",
                "--server=d=http://127.0.0.1:4", "--server=e=http://127.0.0.1:5")).hasMessageContaining("not 5");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", a, "--server=a=http://127.0.0.1:2"))
                .hasMessageContaining("two --server named a");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", a, b, "--url=http://127.0.0.1:3")).hasMessageContaining("exclude");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", a, b, "--rate=5", "--clients=2")).hasMessageContaining("exclude");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", a, b, "--requests=5")).hasMessageContaining("--requests");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", a, b, "--window=1s", "--settle=1s"))
                .hasMessageContaining("--settle (1000 ms) must be shorter than --window (1000 ms)");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", a, "--server=b=http://10.1.2.3:2"))
                .hasMessageContaining("not a loopback address");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", a, "--server=b")).hasMessageContaining("NAME=URL[@PID]");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", a, "--server=b=ftp://127.0.0.1:2"))
                .hasMessageContaining("--server must be http(s)://");
        assertThatThrownBy(() -> LoadOptions.parse("--path=/", a, "--server=b=http://127.0.0.1:2@0"))
                .hasMessageContaining("--server pid must be in");
    }
}
