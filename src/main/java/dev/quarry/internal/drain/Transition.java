package dev.quarry.internal.drain;

import dev.quarry.handler.Outcome;
import dev.quarry.internal.queue.ClaimedJob;
import dev.quarry.internal.queue.RetryPolicy;
import java.time.Duration;

/**
 * The state machine's decision for one finished run: which transition of the row a handler's
 * outcome leads to. Pure, so it is tested without a database; {@link Drain} carries it out.
 */
sealed interface Transition {
    /** running → done */
    record MarkDone() implements Transition {
    }

    /** running → ready at now + delay; the attempt counts */
    record Retry(Duration delay, String error) implements Transition {
    }

    /** running → dead */
    record Bury(String error, String reason) implements Transition {
    }

    /** running → ready at now + delay; the attempt does not count */
    record GiveBack(Duration delay, String note, String reason) implements Transition {
    }

    /** running → cancelled, on an operator's request */
    record Cancel(String note) implements Transition {
    }

    static Transition decide(ClaimedJob job, Outcome outcome, boolean interrupted, RetryPolicy retry) {
        return decide(job, outcome, interrupted, false, retry);
    }

    static Transition decide(ClaimedJob job, Outcome outcome, boolean interrupted, boolean cancelled, RetryPolicy retry) {
        if (outcome instanceof Outcome.Done) return new MarkDone();
        if (cancelled) return new Cancel("cancelled on request during attempt " + job.attempt());
        if (interrupted) return new GiveBack(Duration.ZERO, null, "interrupted");
        if (outcome instanceof Outcome.Failed f) {
            if (job.lastAttempt()) {
                return new Bury("attempt " + job.attempt() + " of " + job.maxAttempts() + " failed, none left: " + f.error(), "none left");
            }
            return new Retry(retry.delayAfter(job.attempt()), f.error());
        }
        if (outcome instanceof Outcome.PermanentFailure p) return new Bury(p.error(), "permanent failure");
        if (outcome instanceof Outcome.Later l) return new GiveBack(l.delay(), "later: " + l.why(), "later");
        throw new IllegalArgumentException("unknown outcome " + outcome);
    }
}
