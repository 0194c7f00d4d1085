package io.holdtrace.sample;

import io.holdtrace.sample.load.LoadGenerator;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * A small shop service that reproduces the connection incidents holdtrace exists for.
 *
 * <p>{@code java -jar holdtrace-sample-app.jar [--db=h2|postgres|mariadb] [--spring.property=value ...]}
 * runs the service; {@code java -jar holdtrace-sample-app.jar load ...} runs the load generator
 * instead, without starting Spring.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SampleApplication {

    static final List<String> DATABASES = List.of("h2", "postgres", "mariadb");

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("load")) {
            LoadGenerator.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Optional<String> profile;
        try {
            profile = databaseProfile(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        SpringApplication app = new SpringApplication(SampleApplication.class);
        profile.ifPresent(app::setAdditionalProfiles);
        app.run(args);
    }

    /**
     * {@code --db=postgres} or {@code --db=mariadb} activates the profile of that name, whose
     * properties point the pool at the local server; H2 in memory is the default and needs none.
     */
    static Optional<String> databaseProfile(String[] args) {
        String db = "h2";
        for (String arg : args) {
            if (arg.startsWith("--db=")) {
                db = arg.substring("--db=".length());
            }
        }
        if (!DATABASES.contains(db)) {
            throw new IllegalArgumentException("--db must be one of " + DATABASES + ", not '" + db + "'");
        }
        return db.equals("h2") ? Optional.empty() : Optional.of(db);
    }
}
