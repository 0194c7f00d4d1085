package com.example.weaving;

import java.sql.Connection;

/** Application classes for WeaverTest: the weaver leaves holdtrace's own packages alone. */
public final class Fixtures {

    private Fixtures() {
    }

    public abstract static class PartConnection implements Connection {
        @Override
        public void close() {
        }
    }

    /** Descends from a connection, and declares a method of the weave. */
    public abstract static class SubConnection extends PartConnection {
        @Override
        public void commit() {
        }
    }

    /** Descends from a connection, but declares none of the weave's methods: nothing to change. */
    public abstract static class Quiet extends PartConnection {
        public void other() {
        }
    }

    /** Declares close, but is no connection. */
    public abstract static class Unrelated implements AutoCloseable {
        @Override
        public void close() {
        }
    }

    public static class Named {
        public int close() {
            return 1;
        }
    }

}
