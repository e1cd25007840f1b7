package dev.quarry.internal.handler;

import dev.quarry.handler.JobContext;
import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;

/** The built-in {@code noop} type: does nothing and succeeds. For smoke tests and benchmarks. */
public final class NoopHandler implements JobHandler {
    public static final String TYPE = "noop";

    @Override
    public Outcome handle(JobContext job) {
        return Outcome.done();
    }
}
