package io.holdtrace.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Incidents A, B and C with every switch at its default, on H2. */
class IncidentEndpointsTest extends SampleAppTestSupport {

    @Test
    void captiveReportKeepsOneConnectionForTheLifeOfTheApp() {
        assertThat(callSites.since(0))
                .as("the singleton ReportingService captured a DataConnection while the context started")
                .anySatisfy(frames -> assertThat(frames).first().isEqualTo("captive.DataConnection.<init>"));
        assertThat(active()).as("held since start-up").isEqualTo(1);

        int mark = callSites.mark();
        List<CompletableFuture<Answer>> answers = IntStream.range(0, 20).mapToObj(i -> getAsync("/a/report")).toList();
        answers.forEach(a -> assertThat(a.join().status()).isEqualTo(200));

        assertThat(callSites.since(mark)).as("every request used the captured connection").isEmpty();
        assertThat(active()).isEqualTo(1);
    }

    @Test
    void checkoutHoldsItsConnectionThroughTheAuthCall() {
        int before = active();
        int mark = callSites.mark();

        int duringAuth = activeDuringAuthCall("/b/checkout", 200);

        assertThat(duringAuth).isEqualTo(before + 1);
        assertThat(active()).isEqualTo(before);
        // The transaction starts in Spring's proxy, before CheckoutService.checkout itself is entered.
        assertThat(callSites.since(mark)).singleElement().satisfies(frames -> assertThat(frames).startsWith(
                "checkout.CheckoutService$$SpringCGLIB$$0.checkout", "checkout.CheckoutController.checkout"));
    }

    @Test
    void checkoutTakesAtLeastTheAuthLatency() {
        Answer answer = get("/b/checkout?product=2&quantity=3");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).contains("\"status\":\"CONFIRMED\"", "\"amountCents\":26700", "tok-");
        assertThat(answer.elapsed()).isGreaterThanOrEqualTo(AUTH_LATENCY);
    }

    @Test
    void legacyRepricingCallsTheRemovedEndpointWhileHoldingItsConnectionAndAnswers502() {
        int before = active();
        int mark = callSites.mark();
        long ledgerCallsBefore = downstream.ledgerRequests();

        Answer answer = get("/c/legacy?product=3");

        assertThat(answer.status()).isEqualTo(502);
        // Like the real incident, the answer tells that a dependency failed, not which call it was.
        assertThat(answer.body()).contains("downstream call failed", "404 Not Found");
        assertThat(downstream.ledgerRequests()).as("the live ledger call came first").isEqualTo(ledgerCallsBefore + 1);
        assertThat(callSites.since(mark)).singleElement().satisfies(frames -> assertThat(frames).startsWith(
                "legacy.LegacyPricingService$$SpringCGLIB$$0.reprice", "legacy.LegacyPricingController.reprice"));
        assertThat(active()).as("the transaction rolled back and gave its connection back").isEqualTo(before);
    }

    @Test
    void healthyEndpointsWorkBesideTheIncidents() {
        int before = active();
        for (String path : List.of("/healthy/orders", "/healthy/pay", "/healthy/report")) {
            assertThat(get(path).status()).as(path).isEqualTo(200);
        }
        assertThat(active()).isEqualTo(before);
    }
}
