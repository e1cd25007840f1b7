package dev.quarry.internal.drain;

import java.time.Duration;

/**
 * What one drain did, for its closing log line and for tests.
 *
 * @param leaseTaken false when a prior drain still held the queue
 * @param rescued    orphaned jobs returned to ready or buried at start
 * @param claimed    jobs claimed
 * @param done       jobs recorded done
 * @param retried    jobs sent back to ready with backoff
 * @param dead       jobs buried (permanent failure, attempts used up, bad row)
 * @param givenBack  jobs returned to ready without using an attempt (later, shutdown, lost lease)
 * @param refused    completions refused because the claim had been taken over
 * @param endedBy    why the drain stopped: budget, rebalance (handed to a less busy node), shutdown, lease lost, error
 */
public record DrainSummary(boolean leaseTaken, int rescued, int claimed, int done, int retried, int dead, int givenBack,
                           int refused, String endedBy, Duration duration) {
}
