package dev.quarry.internal.drain;

import dev.quarry.handler.Outcome;
import dev.quarry.internal.queue.ClaimedJob;

/**
 * One run of one job, as a worker hands it back to its drain.
 *
 * @param interrupted the drain interrupted the run (shutdown, lost lease, cancel request): give the job back unless it
 *                    finished anyway
 * @param cancelled   an operator asked to stop the job: it ends cancelled unless it finished anyway
 */
record Finished(ClaimedJob job, Outcome outcome, long nanos, boolean interrupted, boolean cancelled) {
}
