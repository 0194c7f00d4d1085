package io.holdtrace.sample.downstream;

import java.io.IOException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
public class DownstreamConfig {

    /** Started while the context is built, so its port is known before any client needs it. */
    @Bean(destroyMethod = "close")
    DownstreamServer downstreamServer(DownstreamSettings settings) throws IOException {
        return DownstreamServer.start(settings);
    }
}
