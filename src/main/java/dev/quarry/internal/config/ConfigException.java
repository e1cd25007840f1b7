package dev.quarry.internal.config;

import dev.quarry.QuarryException;

/** Bad configuration: the message is one line that names the file or variable, the key and the fix. */
public final class ConfigException extends QuarryException {
    public ConfigException(String message) {
        super(message);
    }
}
