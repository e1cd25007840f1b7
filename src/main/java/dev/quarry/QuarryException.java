package dev.quarry;

/** The one unchecked exception Quarry throws; messages name the job, queue, node or key involved. */
public class QuarryException extends RuntimeException {
    public QuarryException(String message) {
        super(message);
    }

    public QuarryException(String message, Throwable cause) {
        super(message, cause);
    }
}
