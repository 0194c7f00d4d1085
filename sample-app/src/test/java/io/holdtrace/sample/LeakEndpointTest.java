package io.holdtrace.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/** The leak on the exception path. Leaked connections never come back, so this context is closed after. */
@TestPropertySource(properties = {"sample.incidents.a.enabled=false",
        "sample.incidents.leak.fail-every=2", "sample.incidents.leak.max-leaked=3"})
@DirtiesContext
class LeakEndpointTest extends SampleAppTestSupport {

    @Test
    void everyFailedExportLeaksItsConnectionUntilTheCap() {
        assertThat(active()).isZero();
        int mark = callSites.mark();

        List<Integer> statuses = IntStream.range(0, 10).mapToObj(i -> get("/leak").status()).toList();

        assertThat(statuses).containsExactly(200, 500, 200, 500, 200, 500, 200, 200, 200, 200);
        assertThat(active()).as("one connection lost per failed export").isEqualTo(3);
        assertThat(callSites.since(mark)).hasSize(10).allSatisfy(frames -> assertThat(frames)
                .startsWith("leak.OrderExportService.exportCsv", "leak.LeakController.export"));
    }
}
