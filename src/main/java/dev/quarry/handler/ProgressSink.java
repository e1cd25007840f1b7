package dev.quarry.handler;

/** Where a run's progress reports go; the drain's sink writes them to the job's row, fenced by its claim. */
@FunctionalInterface
public interface ProgressSink {
    /** Drops every report: a run outside a drain. */
    ProgressSink DISCARD = (percent, note) -> { };

    /** Must not block: called from the handler's thread. */
    void report(int percent, String note);
}
