package com.example.scenario.boot3;

import com.example.scenario.Sites;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.stereotype.Component;

/** The healthy singleton: keeps the DataSource, takes a connection per call and gives it back. */
@Component
public class Inventory {

    private final DataSource dataSource;

    public Inventory(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public long count() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) { Sites.mark("boot3-inventory");
            rs.next();
            return rs.getLong(1);
        }
    }
}
