package io.holdtrace.it;

import java.sql.Connection;
import java.sql.DriverManager;

/** The real databases the integration tests run against. */
public enum Databases {
    H2("jdbc:h2:mem:holdtrace;DB_CLOSE_DELAY=-1", "sa", "-"),
    POSTGRES("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "-"),
    MARIADB("jdbc:mariadb://127.0.0.1:3306/test", "root", "-");

    public final String url;
    public final String user;
    /** "-" for an empty password (an argument can't be empty on every platform). */
    public final String password;

    Databases(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** Is the server up? H2 always is. */
    public boolean reachable() {
        try (Connection c = DriverManager.getConnection(url, user, password.equals("-") ? "" : password)) {
            return c.isValid(2);
        } catch (Exception e) {
            return false;
        }
    }
}
