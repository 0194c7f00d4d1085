package com.example.scenario.spring.web;

import com.example.scenario.spring.SpringScenario;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
public class WebConfig {

    @Bean
    public DataSource dataSource() {
        return SpringScenario.dataSource("spring-web");
    }
}
