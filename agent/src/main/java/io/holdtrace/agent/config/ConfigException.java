package io.holdtrace.agent.config;

/** A bad option: its message is the one line the user sees. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
