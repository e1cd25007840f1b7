package dev.quarry.internal.admin;

import dev.quarry.internal.queue.JobState;
import java.time.LocalDateTime;

/**
 * A job as a listing shows it: no payload, the start of its last error. Times are the database's local time.
 *
 * @param maxAttempts    null: the node's retry.max-attempts applies
 * @param lastErrorStart at most {@link JobReads#ERROR_START_CHARS} characters of last_error, or null
 * @param progress       0 to 100 as the handler last reported it, null until it reports
 * @param progressNote   the handler's words with its progress, or null
 */
public record JobSummary(long id, String queue, String type, JobState status, int priority, int attempts, Integer maxAttempts,
                         LocalDateTime runAt, LocalDateTime createdAt, LocalDateTime finishedAt, String lastErrorStart,
                         Integer progress, String progressNote) {
}
