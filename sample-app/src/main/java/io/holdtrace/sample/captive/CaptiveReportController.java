package io.holdtrace.sample.captive;

import io.holdtrace.sample.shop.SalesReport;
import java.sql.SQLException;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@ConditionalOnBooleanProperty(name = "sample.incidents.a.enabled", matchIfMissing = true)
public class CaptiveReportController {

    private final ReportingService reporting;

    public CaptiveReportController(ReportingService reporting) {
        this.reporting = reporting;
    }

    @GetMapping("/a/report")
    public SalesReport report() throws SQLException {
        return reporting.report();
    }
}
