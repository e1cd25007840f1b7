package dev.quarry.handler;

import java.util.Objects;

/**
 * What a handler is told about the job it runs, and how it reports progress. Only the drain makes
 * one for a real run; tests and tools may make their own.
 */
public final class JobContext {
    /** The longest progress note kept (the column is VARCHAR(255)); a longer one is cut. */
    public static final int NOTE_MAX_CHARS = 255;

    private final long id;
    private final String queue;
    private final String type;
    private final String payload;
    private final int attempt;
    private final int maxAttempts;
    private final int resultMaxBytes;
    private final ProgressSink progress;

    /** A context whose progress reports go nowhere, with the default result limit. */
    public JobContext(long id, String queue, String type, String payload, int attempt, int maxAttempts) {
        this(id, queue, type, payload, attempt, maxAttempts, dev.quarry.internal.config.QuarryConfig.DEFAULT_PAYLOAD_MAX_BYTES, ProgressSink.DISCARD);
    }

    public JobContext(long id, String queue, String type, String payload, int attempt, int maxAttempts, int resultMaxBytes,
                      ProgressSink progress) {
        this.id = id;
        this.queue = queue;
        this.type = type;
        this.payload = payload;
        this.attempt = attempt;
        this.maxAttempts = maxAttempts;
        this.resultMaxBytes = resultMaxBytes;
        this.progress = Objects.requireNonNull(progress);
    }

    /** The row id: stable across attempts, use it as the idempotency key. */
    public long id() {
        return id;
    }

    /** The queue the job was claimed from. */
    public String queue() {
        return queue;
    }

    /** The job's type. */
    public String type() {
        return type;
    }

    /** The payload text exactly as the producer inserted it. */
    public String payload() {
        return payload;
    }

    /** This attempt's number, from 1. */
    public int attempt() {
        return attempt;
    }

    /** Attempts allowed in all. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The most bytes of a result the node stores ({@code payload.max-bytes}); a longer result is cut. */
    public int resultMaxBytes() {
        return resultMaxBytes;
    }

    /**
     * Reports how far the job has come, for producers polling its row ({@code progress},
     * {@code progress_note}). Cheap and never blocking: the node writes at most one update per job
     * a second, the last report winning, off the worker's thread. A report this run makes after
     * its claim was taken over (the node stalled, a peer reran the job) changes nothing.
     *
     * @param percent 0 to 100
     * @param note    a few words on what the job is doing, or null; cut to {@value #NOTE_MAX_CHARS} characters
     * @throws IllegalArgumentException when percent is outside 0 to 100
     */
    public void progress(int percent, String note) {
        if (percent < 0 || percent > 100) throw new IllegalArgumentException("progress must be 0 to 100, not " + percent);
        progress.report(percent, note == null ? null : dev.quarry.internal.Text.head(note, NOTE_MAX_CHARS));
    }

    @Override
    public String toString() {
        return "job " + id + " (" + dev.quarry.internal.Text.oneLine(type, 200) + ", queue " + queue + ", attempt " + attempt + "/" + maxAttempts + ")";
    }
}
