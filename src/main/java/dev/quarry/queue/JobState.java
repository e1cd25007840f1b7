package dev.quarry.queue;

import java.util.Locale;

/**
 * The states of a row in {@code quarry_jobs}, mirrored by the column's ENUM. The transitions
 * (each one UPDATE in {@link JobQueue} that checks the current state and the claim token):
 *
 * <pre>
 *            claim                 handler done
 *   ready ───────────▶ running ───────────────▶ done
 *     ▲                  │ │ handler failed, attempts left: ready, run_at = now + backoff
 *     └──────────────────┘ │ snooze / shutdown release / orphan rescue: ready
 *                          ├─ permanent failure, attempts exhausted, bad row ▶ dead
 *                          └─ operator's cancel request: handler interrupted ▶ cancelled
 *   ready ──cancel──▶ cancelled
 * </pre>
 */
public enum JobState {
    READY, RUNNING, DONE, DEAD, CANCELLED;

    /** The value stored in the database. */
    public String sql() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean finished() {
        return this == DONE || this == DEAD || this == CANCELLED;
    }

    public static JobState fromSql(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
