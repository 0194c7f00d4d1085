package io.holdtrace.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** What an outbound call's target may show: never a query string, a fragment, user-info or path parameters. */
class UrlsTest {

    @Test
    void queryFragmentAndPathParametersNeverShow() {
        assertEquals("/token", Urls.path("/token?client_secret=s3cr3t&x=1"));
        assertEquals("/token", Urls.path("/token#access_token=abc"));
        assertEquals("/a/b", Urls.path("/a;jsessionid=SECRET/b;v=1?q#f"));
        assertEquals("/", Urls.path("?only=query"));
        assertEquals("/", Urls.path(""));
        assertEquals("/", Urls.path(null));
        assertEquals("/relative", Urls.path("relative?x=1"));
    }

    @Test
    void identifiersInPathsBecomeOneTarget() {
        assertEquals("/users/{id}/orders", Urls.path("/users/12345/orders"));
        assertEquals("/orders/{id}", Urls.path("/orders/123e4567-e89b-12d3-a456-426614174000"));
        assertEquals("/reset/{id}", Urls.path("/reset/AbC123dEf456GhI789jKl0"));
        assertEquals("/api/v2/oauth2/token", Urls.path("/api/v2/oauth2/token"));
        assertEquals("/files/report-2024.pdf", Urls.path("/files/report-2024.pdf"));
        assertEquals("/a//b/", Urls.path("/a//b/"));
    }

    @Test
    void urlsShowSchemeHostPortAndPathOnly() {
        assertEquals("https://auth.example/token", Urls.url("HTTPS", "Auth.Example", -1, "/token?x=1"));
        assertEquals("https://auth.example/token", Urls.url("https", "auth.example", 443, "/token"));
        assertEquals("http://h:8080/", Urls.url("http", "h", 8080, ""));
        assertEquals("http://[::1]:8080/x", Urls.url("http", "::1", 8080, "/x"));
        assertEquals("http://[::1]:8080/x", Urls.url("http", "[::1]", 8080, "/x"));
        assertEquals("http://h/p", Urls.url("http", "user:pw@h", -1, "/p"), "an authority passed as a host loses its user-info");
        assertEquals("http://a_b/p", Urls.url("http", "a;b", -1, "/p"));
        assertEquals("unknown://unknown/", Urls.url(null, null, -1, null));
        assertEquals(443, Urls.port("https", -1));
        assertEquals(80, Urls.port("HTTP", 0));
        assertEquals(-1, Urls.port("ftp", -1));
    }

    @Test
    void noComponentThrowsOrShowsASecretPart() {
        Random rnd = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            String host = random(rnd, "ab:@;?#/[]%.-19");
            // a host with user-info: only what follows the last @ is a host
            String path = random(rnd, "ab/?#@;=%.-_19");
            String url = Urls.url(rnd.nextBoolean() ? "http" : random(rnd, "htps:/"), host, rnd.nextInt(70000) - 2, path);
            String afterScheme = url.substring(url.indexOf("://") + 3);
            int slash = afterScheme.indexOf('/');
            String shownHost = afterScheme.substring(0, slash);
            String shownPath = afterScheme.substring(slash);
            assertFalse(shownHost.contains("@") || shownHost.contains("?") || shownHost.contains("#") || shownHost.contains(";")
                    || shownHost.contains("/"), host + " -> " + url);
            assertFalse(shownPath.contains("?") || shownPath.contains("#") || shownPath.contains(";"), path + " -> " + url);
            assertEquals(shownPath, Urls.path(path));
        }
    }

    private static String random(Random rnd, String alphabet) {
        StringBuilder sb = new StringBuilder();
        int n = rnd.nextInt(24);
        for (int k = 0; k < n; k++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
