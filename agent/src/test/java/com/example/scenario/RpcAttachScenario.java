package com.example.scenario;

import com.sun.tools.attach.VirtualMachine;
import java.sql.Connection;
import javax.sql.DataSource;

/**
 * The JDK's HTTP clients are loaded and used before the agent exists; then the agent is
 * attached to this running JVM, and the same client objects make calls while a connection is
 * held. The agent must have retransformed the already-loaded JDK classes (HttpClientImpl in the
 * platform loader, HttpURLConnection's implementation in the boot loader) to see them.
 *
 * <p>Usage: {@code RpcAttachScenario AGENT_JAR AGENT_ARGS URL USER PASSWORD}; run with
 * {@code -Djdk.attach.allowAttachSelf=true}.
 */
public final class RpcAttachScenario {

    private RpcAttachScenario() {
    }

    public static void main(String[] args) throws Exception {
        try (LoopbackHttp http = new LoopbackHttp()) {
            System.out.println("HTTP-PORT " + http.port());
            RpcScenario.Caller jdk = RpcScenario.caller("jdk");
            RpcScenario.Caller urlConnection = RpcScenario.caller("urlconnection");
            System.out.println("BEFORE " + jdk.call("GET", http.url("/api/before")) + " " + urlConnection.call("GET", http.url("/api/before")));

            VirtualMachine vm = VirtualMachine.attach(String.valueOf(ProcessHandle.current().pid()));
            try {
                vm.loadAgent(args[0], args[1]);
            } finally {
                vm.detach();
            }

            Pools.Handle pool = Pools.open("hikari", args[2], args[3], args[4].equals("-") ? "" : args[4]);
            DataSource ds = pool.dataSource;
            try (Connection c = ds.getConnection()) { Sites.mark("attached-jdk");
                RpcScenario.query(c);
                jdk.call("GET", http.url("/api/after?delay=30"));
            }
            try (Connection c = ds.getConnection()) { Sites.mark("attached-urlconnection");
                RpcScenario.query(c);
                urlConnection.call("GET", http.url("/api/after?delay=30"));
            }
            pool.close();
        }
        System.out.println("DONE");
    }
}
