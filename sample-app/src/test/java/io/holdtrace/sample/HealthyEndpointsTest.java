package io.holdtrace.sample;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The healthy endpoints, with the incidents that hold connections switched off so that the pool
 * must be completely idle between requests.
 */
@TestPropertySource(properties = {"sample.incidents.a.enabled=false", "sample.incidents.leak.enabled=false"})
class HealthyEndpointsTest extends SampleAppTestSupport {

    @Test
    void ordersReadsThroughJdbcTemplateAndGivesTheConnectionBack() {
        get("/healthy/pay");
        int mark = callSites.mark();

        Answer answer = get("/healthy/orders");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).startsWith("[{").contains("\"productId\":1");
        // @Repository beans are proxied too (exception translation), hence the CGLIB frame between.
        assertThat(callSites.since(mark)).singleElement().satisfies(frames -> assertThat(frames).startsWith(
                "shop.ShopRepository.recentOrders", "shop.ShopRepository$$SpringCGLIB$$0.recentOrders",
                "healthy.HealthyController.orders"));
        assertThat(active()).isZero();
    }

    @Test
    void payMakesItsAuthCallWithNoConnectionHeld() {
        int mark = callSites.mark();

        int duringAuth = activeDuringAuthCall("/healthy/pay", 200);

        assertThat(duringAuth).isZero();
        assertThat(active()).isZero();
        assertThat(callSites.since(mark)).satisfiesExactly(
                payment -> assertThat(payment).startsWith(
                        "healthy.PaymentRecorder$$SpringCGLIB$$0.recordPayment", "healthy.PaymentService.pay"),
                receipt -> assertThat(receipt).startsWith(
                        "healthy.PaymentRecorder$$SpringCGLIB$$0.recordReceipt", "healthy.PaymentService.pay"));
    }

    @Test
    void reportTakesAConnectionPerCallAndClosesIt() {
        int mark = callSites.mark();

        for (int i = 0; i < 3; i++) {
            Answer answer = get("/healthy/report");
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).contains("\"orders\":", "\"revenueCents\":");
        }

        assertThat(callSites.since(mark)).hasSize(3).allSatisfy(frames -> assertThat(frames)
                .startsWith("captive.DataConnection.<init>", "captive.PerCallReportingService.report"));
        assertThat(active()).isZero();
    }

    @Test
    void switchedOffIncidentsAnswer404() {
        assertThat(get("/a/report").status()).isEqualTo(404);
        assertThat(get("/leak").status()).isEqualTo(404);
        assertThat(active()).isZero();
    }
}
