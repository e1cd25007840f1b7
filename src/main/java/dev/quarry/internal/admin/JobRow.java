package dev.quarry.internal.admin;

import dev.quarry.internal.queue.JobState;
import java.time.LocalDateTime;

/**
 * One row of {@code quarry_jobs}, every column (less the generated {@code active_unique_key}).
 * Times are the database's local time ({@code DATETIME(6)}, the clock of {@code NOW(6)}), not
 * converted to this machine's zone.
 *
 * @param maxAttempts       null: the node's retry.max-attempts applies
 * @param runAtFromNowMillis run_at minus the database's NOW(6) when read: positive while the job waits
 * @param claimToken        null unless running
 * @param progress          0 to 100 as the handler last reported it, null until it reports
 * @param progressNote      the handler's words with its progress, or null
 * @param result            what the job returned when done, or null
 */
public record JobRow(long id, String queue, String type, String payload, int priority, LocalDateTime runAt, Integer maxAttempts,
                     String uniqueKey, JobState status, int attempts, String lastError, LocalDateTime createdAt,
                     LocalDateTime startedAt, LocalDateTime finishedAt, Long claimToken, String claimedBy, Long leaseEpoch,
                     long runAtFromNowMillis, Integer progress, String progressNote, String result) {
}
