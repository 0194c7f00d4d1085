package io.holdtrace.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SampleApplicationTest {

    @Test
    void dbArgumentSelectsTheServerProfile() {
        assertThat(SampleApplication.databaseProfile(new String[0])).isEmpty();
        assertThat(SampleApplication.databaseProfile(new String[] {"--db=h2"})).isEmpty();
        assertThat(SampleApplication.databaseProfile(new String[] {"--server.port=0", "--db=postgres"})).contains("postgres");
        assertThat(SampleApplication.databaseProfile(new String[] {"--db=mariadb"})).contains("mariadb");
        assertThatThrownBy(() -> SampleApplication.databaseProfile(new String[] {"--db=oracle"}))
                .hasMessageContaining("--db must be one of");
    }
}
