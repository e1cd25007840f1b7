package dev.quarry.queue;

/** Who holds a queue's lease when a drain could not take it, for the log line that says so. */
public record LeaseRefused(String queue, String holder, long epoch, long expiresInMillis) {
}
