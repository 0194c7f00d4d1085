package io.holdtrace.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * With {@code --sample.port-file=FILE}, writes the HTTP port to FILE once the app is ready, so a
 * script can start it on {@code --server.port=0} on a machine it shares with others.
 */
@Component
@ConditionalOnProperty("sample.port-file")
public class PortFileWriter {

    private final Path file;
    private final Environment environment;

    public PortFileWriter(@Value("${sample.port-file}") Path file, Environment environment) {
        this.file = file;
        this.environment = environment;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void writePort() {
        try {
            Path partial = file.resolveSibling(file.getFileName() + ".partial");
            Files.writeString(partial, environment.getRequiredProperty("local.server.port") + "\n");
            // The reader polls for the file: it must never see it half-written.
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the port file " + file, e);
        }
    }
}
