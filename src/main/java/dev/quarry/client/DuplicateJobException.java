package dev.quarry.client;

import dev.quarry.QuarryException;

/**
 * An enqueue refused because a job with the same unique key is scheduled, ready or running. Nothing of the
 * call was enqueued. The message names the key and, when it can be seen, the job holding it.
 */
public final class DuplicateJobException extends QuarryException {
    private final String uniqueKey;
    private final Long heldBy;

    public DuplicateJobException(String message, String uniqueKey, Long heldBy) {
        super(message);
        this.uniqueKey = uniqueKey;
        this.heldBy = heldBy;
    }

    /** The key that is taken. */
    public String uniqueKey() {
        return uniqueKey;
    }

    /** The id of the job that holds the key, or null when it is in the same batch or finished meanwhile. */
    public Long heldBy() {
        return heldBy;
    }
}
