package dev.quarry.internal.queue;

import dev.quarry.internal.Text;

/**
 * A job this node has claimed: the row as it was read in the claim transaction.
 *
 * @param id           the row id, stable for the job's life: use it as the idempotency key
 * @param queue        the queue it was claimed from
 * @param type         names the handler
 * @param payload      the payload text, or null when it is larger than the limit
 * @param payloadBytes the payload's size in bytes
 * @param attempt      this attempt's number, from 1
 * @param maxAttempts  the row's max_attempts, or the configured default when the row leaves it NULL
 * @param claimToken   the token every later transition of this claim must name
 * @param result       what the run returned, to be stored with its completion ({@link #withResult}); null: none
 */
public record ClaimedJob(long id, String queue, String type, String payload, long payloadBytes,
                         int attempt, int maxAttempts, long claimToken, String result) {

    /** The job as a claim reads it: not run yet, so no result. */
    public ClaimedJob(long id, String queue, String type, String payload, long payloadBytes, int attempt, int maxAttempts, long claimToken) {
        this(id, queue, type, payload, payloadBytes, attempt, maxAttempts, claimToken, null);
    }

    /** This claim's completion carrying {@code result} into the done transition. */
    public ClaimedJob withResult(String result) {
        return new ClaimedJob(id, queue, type, payload, payloadBytes, attempt, maxAttempts, claimToken, result);
    }

    /** The same claim: same row, same token, whatever result it carries. */
    public boolean sameClaim(ClaimedJob other) {
        return id == other.id && claimToken == other.claimToken;
    }

    public boolean lastAttempt() {
        return attempt >= maxAttempts;
    }

    /**
     * One line for logs and transaction descriptions. The producer chose {@code type} (a line break
     * or an ANSI escape in it would forge or recolour a log line): it is escaped, and cut well past
     * the column's 128 characters.
     */
    @Override
    public String toString() {
        return "job " + id + " (" + Text.oneLine(type, 200) + ", queue " + queue + ", attempt " + attempt + "/" + maxAttempts + ")";
    }
}
