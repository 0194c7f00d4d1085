package io.holdtrace.sample.downstream;

import java.net.http.HttpClient;
import java.time.Duration;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * The shop's outbound calls, through Spring's RestClient on the JDK HttpClient. A 4xx or 5xx
 * answer throws a {@link org.springframework.web.client.RestClientResponseException}, an I/O
 * failure or time-out a {@link org.springframework.web.client.ResourceAccessException}.
 */
@Component
public class DownstreamClient {

    private final RestClient http;

    public DownstreamClient(DownstreamServer downstream, DownstreamSettings settings) {
        HttpClient jdk = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(jdk);
        requests.setReadTimeout(settings.getReadTimeout());
        this.http = RestClient.builder()
                .baseUrl(downstream.baseUri().toString())
                .requestFactory(requests)
                .build();
    }

    public String authToken(String scope) {
        return http.post().uri("/auth/token")
                .contentType(MediaType.TEXT_PLAIN)
                .body("scope=" + scope)
                .retrieve()
                .body(String.class);
    }

    public String ledgerEntry(long id) {
        return http.get().uri("/ledger/{id}", id).retrieve().body(String.class);
    }

    /** The discount endpoint that the downstream removed: every call answers 404. */
    public String legacyDiscount(long productId) {
        return http.get().uri("/legacy/discounts/{id}", productId).retrieve().body(String.class);
    }
}
