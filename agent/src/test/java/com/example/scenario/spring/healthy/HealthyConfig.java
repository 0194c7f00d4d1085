package com.example.scenario.spring.healthy;

import com.example.scenario.spring.DataConnection;
import com.example.scenario.spring.SpringScenario;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.beans.factory.config.CustomScopeConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;

@Configuration
public class HealthyConfig {

    @Bean
    public DataSource dataSource() {
        return SpringScenario.dataSource("spring-healthy");
    }

    @Bean
    @Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
    public DataConnection dataConnection(DataSource dataSource) throws Exception {
        return new DataConnection(dataSource);
    }

    /** A short-lived component behind a scoped proxy: each call scope gets its own, closed when the scope ends. */
    @Bean
    @Scope(value = "call", proxyMode = ScopedProxyMode.TARGET_CLASS)
    public ScopedData scopedData(DataSource dataSource) throws Exception {
        return new ScopedData(dataSource);
    }

    @Bean
    public static CustomScopeConfigurer callScope() {
        CustomScopeConfigurer c = new CustomScopeConfigurer();
        c.addScope("call", new CallScope());
        return c;
    }
}
