package com.example.scenario.spring.captive;

import com.example.scenario.spring.DataConnection;
import com.example.scenario.spring.SpringScenario;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;

@Configuration
public class CaptiveConfig {

    @Bean
    public DataSource dataSource() {
        return SpringScenario.dataSource("spring-captive");
    }

    @Bean
    @Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
    public DataConnection dataConnection(DataSource dataSource) throws Exception {
        return new DataConnection(dataSource);
    }
}
