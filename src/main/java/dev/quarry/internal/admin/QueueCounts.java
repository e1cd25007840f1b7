package dev.quarry.internal.admin;

import dev.quarry.internal.queue.JobState;
import java.util.Map;

/**
 * One queue's jobs by status and its oldest due job's wait, as {@link StatusReads#queueCounts} reads them.
 *
 * @param counts          every status; live ones exact, finished ones up to {@link ReadLimits#countCap()}
 * @param oldestDueMillis how long the oldest due job has waited past its run_at; null when none is due
 */
public record QueueCounts(String queue, Map<JobState, Count> counts, Long oldestDueMillis) {
}
