package io.holdtrace.it;

import java.util.List;

/** Commons DBCP2's BasicDataSource; it has no pool name, so the report numbers it. */
class Dbcp2HoldTrackingIT extends PoolHoldTrackingContract {

    Dbcp2HoldTrackingIT() {
        super("dbcp2", "dbcp2-\\d+");
    }

    /** BasicDataSource.invalidateConnection takes back a connection that is out. */
    @Override
    List<String> poolSpecificWaysBack() {
        return List.of("evict");
    }
}
