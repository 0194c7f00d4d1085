package io.holdtrace.sample.leak;

public class ExportFailedException extends RuntimeException {

    public ExportFailedException(String message) {
        super(message);
    }
}
