package com.example.scenario.spring.xml;

import com.example.scenario.spring.DataConnection;
import java.sql.SQLException;

/** Given the prototype DataConnection by an XML {@code <property>}: a setter-injected captive. */
public class AuditLog {

    private DataConnection connection;

    public void setConnection(DataConnection connection) {
        this.connection = connection;
    }

    public long audit() throws SQLException {
        return connection.count();
    }
}
