package dev.quarry.internal.drain;

import dev.quarry.internal.Text;
import dev.quarry.internal.handler.HandlerRegistry;
import dev.quarry.handler.JobContext;
import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;
import dev.quarry.internal.queue.ClaimedJob;
import java.util.Optional;

/**
 * Turns a claimed job into an {@link Outcome}: checks the row (known type, payload within the
 * limit), runs the handler, and turns whatever it throws, Errors included, into a readable failure.
 * A bad row becomes a permanent failure: it never blocks the queue. The handler reports progress
 * through the node's {@link ProgressWriter}; a result longer than the payload limit is cut to it.
 */
final class JobRunner {
    private static final int STACK_FRAMES = 6;

    private final HandlerRegistry handlers;
    private final int payloadMaxBytes;
    private final ProgressWriter progress;

    JobRunner(HandlerRegistry handlers, int payloadMaxBytes, ProgressWriter progress) {
        this.handlers = handlers;
        this.payloadMaxBytes = payloadMaxBytes;
        this.progress = progress;
    }

    /** The longest a run of {@code type} may take ({@code handler.T.timeout}). */
    java.time.Duration timeout(String type) {
        return handlers.timeout(type);
    }

    /** @throws InterruptedException when the handler was interrupted and says so */
    Outcome run(ClaimedJob job) throws InterruptedException {
        Optional<JobHandler> handler = handlers.forType(job.type());
        if (handler.isEmpty()) {
            return Outcome.permanentFailure(HandlerRegistry.noHandlerMessage(job.type(), handlers.types()));
        }
        if (job.payload() == null || job.payloadBytes() > payloadMaxBytes) {
            return Outcome.permanentFailure("payload is " + job.payloadBytes() + " bytes, over the limit of " + payloadMaxBytes
                    + " (payload.max-bytes)");
        }
        JobContext context = new JobContext(job.id(), job.queue(), job.type(), job.payload(), job.attempt(), job.maxAttempts(),
                payloadMaxBytes, progress.sinkFor(job));
        try {
            Outcome outcome = handler.get().handle(context);
            if (outcome instanceof Outcome.Done d && d.result() != null) return Outcome.done(Text.utf8Head(d.result(), payloadMaxBytes));
            return outcome == null ? Outcome.failed("handler returned null instead of an Outcome") : outcome;
        } catch (InterruptedException e) {
            throw e;
        } catch (Throwable t) { // an Error from a handler is that job's failure, not the node's
            return Outcome.failed(describe(t));
        }
    }

    /** The exception, its causes and the top of its stack: what someone reading last_error needs. */
    static String describe(Throwable t) {
        StringBuilder s = new StringBuilder(t.toString());
        StackTraceElement[] stack = t.getStackTrace();
        for (int i = 0; i < Math.min(STACK_FRAMES, stack.length); i++) s.append("\n\tat ").append(stack[i]);
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) s.append("\ncaused by: ").append(c);
        return s.toString();
    }
}
