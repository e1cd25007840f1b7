package dev.quarry.internal.admin;

import dev.quarry.internal.queue.JobState;
import java.util.List;
import java.util.Map;

/**
 * One queue's state, as {@code quarry status} shows it. All ages are by the database's clock.
 * Counts of live states (ready, running) are exact; counts of finished states and of recent
 * throughput stop at {@link ReadLimits#countCap()} and say so ({@link Count#capped()}).
 *
 * @param configured           whether the reading config's {@code queues} lists it; a queue with rows that
 *                             no config serves never drains
 * @param counts               rows by status, every status present ({@link Count#ZERO} when none)
 * @param oldestDueMillis      how long the oldest due job (ready, or scheduled and not yet promoted) has waited past its run_at; null when none
 * @param drains               every drain that has a lease row, by number (empty when the queue never had a drain)
 * @param paused               whether {@code quarry pause} stopped its claims
 */
public record QueueStatus(String name, boolean configured, Map<JobState, Count> counts, Long oldestDueMillis,
                          Count doneLastMinute, Count doneLastHour, Count deadLastMinute, Count deadLastHour,
                          List<DrainStatus> drains, boolean paused) {
    /** How many of its drains hold a lease now. */
    public long drainsHeld() {
        return drains.stream().filter(d -> d.holder() != null).count();
    }
}
