package dev.quarry.internal.admin;

import dev.quarry.handler.Outcome;

/**
 * What an operator's state change did to one job.
 *
 * @param outcome        applied, or why not
 * @param job            the row after the change, or as it is when the change was refused; null when not found
 * @param keyHeldBy      for {@link Outcome#UNIQUE_KEY_TAKEN}: the scheduled, ready or running job holding the key (null if it finished meanwhile)
 */
public record Change(Outcome outcome, JobRow job, Long keyHeldBy) {
    public enum Outcome {
        APPLIED,
        /** No job has this id. */
        NOT_FOUND,
        /** The job's status does not allow the change; {@code job} says what it is. */
        WRONG_STATUS,
        /** Back to ready would give two active jobs one unique key. */
        UNIQUE_KEY_TAKEN,
        /** The job is running: its node was asked to stop it, and it ends cancelled (or done, if it finishes first). */
        STOP_REQUESTED
    }

    public boolean applied() {
        return outcome == Outcome.APPLIED;
    }
}
