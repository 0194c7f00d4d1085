package com.example.scenario;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.sql.DataSource;

/**
 * Outbound HTTPS calls made while a connection is held, with each client, to a loopback HTTPS
 * server whose key is in the PKCS#12 keystore {@code -Dscenario.keystore} (password
 * {@code -Dscenario.keystorePassword}); the clients trust it through the JVM's default trust
 * store ({@code -Djavax.net.ssl.trustStore}), as an application configured for an internal CA
 * would. Each client makes two calls inside one hold (marked {@code tls-CLIENT}): an answer and a
 * 404, both with the token in the query string.
 *
 * <p>Usage: {@code RpcTlsScenario POOL URL USER PASSWORD CLIENT...}; CLIENT is jdk,
 * urlconnection, okhttp or httpclient5.
 */
public final class RpcTlsScenario {

    private RpcTlsScenario() {
    }

    public static void main(String[] args) throws Exception {
        char[] password = System.getProperty("scenario.keystorePassword").toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(System.getProperty("scenario.keystore")))) {
            ks.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);

        Pools.Handle handle = Pools.open(args[0], args[1], args[2], args[3].equals("-") ? "" : args[3]);
        try (LoopbackHttp https = LoopbackHttp.https(server)) {
            System.out.println("HTTPS-PORT " + https.port());
            for (int i = 4; i < args.length; i++) {
                hold(args[i], handle.dataSource, https);
            }
        }
        handle.close();
        System.out.println("DONE");
    }

    private static void hold(String client, DataSource ds, LoopbackHttp https) throws Exception {
        RpcScenario.Caller k = RpcScenario.caller(client);
        switch (client) {
            case "jdk": try (Connection c = ds.getConnection()) { Sites.mark("tls-jdk"); calls(c, k, https); } break;
            case "urlconnection": try (Connection c = ds.getConnection()) { Sites.mark("tls-urlconnection"); calls(c, k, https); } break;
            case "okhttp": try (Connection c = ds.getConnection()) { Sites.mark("tls-okhttp"); calls(c, k, https); } break;
            case "httpclient5": try (Connection c = ds.getConnection()) { Sites.mark("tls-httpclient5"); calls(c, k, https); } break;
            default: throw new IllegalArgumentException("unknown client " + client);
        }
    }

    private static void calls(Connection held, RpcScenario.Caller caller, LoopbackHttp https) throws Exception {
        RpcScenario.query(held);
        String secret = "?token=" + RpcScenario.TOKEN;
        System.out.println("CALL GET " + caller.call("GET", https.url("/api/secure" + secret + "&delay=30")));
        System.out.println("CALL GET " + caller.call("GET", https.url("/api/missing" + secret + "&status=404")));
    }
}
