package io.holdtrace.bootstrap;

import java.util.Locale;

/**
 * The one place that turns what an HTTP client knows about a request into the target holdtrace
 * shows: method, scheme, host, port and path, never the query string, the fragment, the
 * user-info or path parameters ({@code ;jsessionid=...}). Path segments that look like
 * identifiers (all digits, UUIDs, long tokens mixing letters and digits) become {@code {id}}, so
 * one endpoint is one target and a token in a path is not shown either. Never throws: a missing
 * scheme or host becomes {@code unknown}, characters no host has become {@code _}.
 */
public final class Urls {

    public static final String ID = "{id}";
    /** A scheme or host the client did not give. */
    public static final String UNKNOWN = "unknown";

    private Urls() {
    }

    /** The path as holdtrace shows it: from a raw path that may carry a query, a fragment, parameters. */
    public static String path(String raw) {
        if (raw == null || raw.isEmpty()) {
            return "/";
        }
        int end = raw.length();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        StringBuilder sb = new StringBuilder(end + 1);
        int i = 0;
        while (i < end) {
            if (raw.charAt(i) == '/') {
                sb.append('/');
                i++;
                continue;
            }
            int segEnd = i;
            while (segEnd < end && raw.charAt(segEnd) != '/') {
                segEnd++;
            }
            int semi = raw.indexOf(';', i);
            int nameEnd = semi >= 0 && semi < segEnd ? semi : segEnd; // ;params go, whatever they hold
            segment(sb, raw, i, nameEnd);
            i = segEnd;
        }
        if (sb.length() == 0 || sb.charAt(0) != '/') {
            sb.insert(0, '/');
        }
        return sb.toString();
    }

    private static void segment(StringBuilder sb, String s, int from, int to) {
        int len = to - from;
        if (len == 0) {
            return;
        }
        boolean digits = true;
        boolean letters = false;
        boolean hasDigit = false;
        boolean token = true;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean d = c >= '0' && c <= '9';
            boolean l = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            digits &= d;
            hasDigit |= d;
            letters |= l;
            token &= d || l || c == '-' || c == '_' || c == '.' || c == '=' || c == '~' || c == '%';
        }
        if (digits || (token && hasDigit && (isUuid(s, from, to) || (len >= 20 && letters)))) {
            sb.append(ID);
        } else {
            sb.append(s, from, to);
        }
    }

    private static boolean isUuid(String s, int from, int to) {
        if (to - from != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(from + i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : Character.digit(c, 16) < 0) {
                return false;
            }
        }
        return true;
    }

    public static String scheme(String scheme) {
        if (scheme == null || scheme.isEmpty()) {
            return UNKNOWN;
        }
        String sc = scheme.toLowerCase(Locale.ROOT);
        for (int i = 0; i < sc.length(); i++) {
            char c = sc.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) {
                return sc.replaceAll("[^a-z0-9+.-]", "_");
            }
        }
        return sc;
    }

    /** A host as shown: lower case, IPv6 in brackets; never user-info. */
    public static String host(String host) {
        if (host == null || host.isEmpty()) {
            return UNKNOWN;
        }
        String h = host;
        int at = h.lastIndexOf('@'); // defensive: a host never carries user-info, but a caller might pass an authority
        if (at >= 0) {
            h = h.substring(at + 1);
        }
        h = h.toLowerCase(Locale.ROOT);
        StringBuilder sb = null;
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == ':'
                    || c == '[' || c == ']' || c == '%';
            if (!ok && sb == null) {
                sb = new StringBuilder(h.substring(0, i));
            }
            if (sb != null) {
                sb.append(ok ? c : '_'); // no host has these; whatever a client let through is not shown
            }
        }
        if (sb != null) {
            h = sb.toString();
        }
        if (h.indexOf(':') >= 0 && !h.startsWith("[")) {
            h = "[" + h + "]";
        }
        return h;
    }

    /** The port, the scheme's default when none was given. */
    public static int port(String scheme, int port) {
        if (port > 0) {
            return port;
        }
        if ("https".equalsIgnoreCase(scheme) || "wss".equalsIgnoreCase(scheme)) {
            return 443;
        }
        if ("http".equalsIgnoreCase(scheme) || "ws".equalsIgnoreCase(scheme)) {
            return 80;
        }
        return -1;
    }

    /** {@code scheme://host[:port]/path}, the port left out when it is the scheme's default. */
    public static String url(String scheme, String host, int port, String path) {
        String sc = scheme(scheme);
        StringBuilder sb = new StringBuilder(64).append(sc).append("://").append(host(host));
        int p = port(sc, port);
        int dflt = port(sc, -1);
        if (p > 0 && p != dflt) {
            sb.append(':').append(p);
        }
        return sb.append(path(path)).toString();
    }
}
