package io.holdtrace.sample.leak;

import java.sql.SQLException;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@ConditionalOnBooleanProperty(name = "sample.incidents.leak.enabled", matchIfMissing = true)
public class LeakController {

    private final OrderExportService export;

    public LeakController(OrderExportService export) {
        this.export = export;
    }

    @GetMapping(value = "/leak", produces = "text/csv")
    public String export() throws SQLException {
        return export.exportCsv();
    }
}
