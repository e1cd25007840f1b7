package dev.quarry.internal.queue;

import java.util.Locale;

/**
 * The states of a row in {@code quarry_jobs}, mirrored by the column's ENUM. The transitions
 * (each one UPDATE in {@link JobQueue} that checks the current state and the claim token):
 *
 * <pre>
 *      INSERT, run_at later  INSERT, due now
 *           │                       │
 *           ▼      when due         ▼      claim                    handler done
 *       scheduled ──────────────▶ ready ──────────────▶ running ─────────────────▶ done
 *           ▲                       ▲                   │ │ │ │
 *           │                       └───────────────────┘ │ │ │  node shutdown, orphan rescue: back to ready
 *           └─────────────────────────────────────────────┘ │ │  failed, attempts left: run_at = now + backoff;
 *                                                           │ │  asked to run later: run_at = now + its delay
 *                                                           │ └─ permanent failure, attempts used up, bad row ──▶ dead
 *                                                           └─── an operator's cancel: the handler is interrupted ─▶ cancelled
 *   scheduled, ready ──cancel──▶ cancelled
 * </pre>
 *
 * <p>A job not yet due is {@link #SCHEDULED}: it waits outside the claim's index range, so a claim
 * costs what it claims however many jobs wait for a later run_at. An INSERT with a future run_at
 * gets that state from the column's default.
 */
public enum JobState {
    SCHEDULED, READY, RUNNING, DONE, DEAD, CANCELLED;

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
