package dev.quarry.bench;

import dev.quarry.handler.JobContext;
import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;

/**
 * The scale run's job: sleeps for the payload's milliseconds, as a job that waits on something
 * else (an encoder, a mail server) would. Sleeping jobs scale with workers even on a small machine.
 */
public final class SleepHandler implements JobHandler {
    @Override
    public Outcome handle(JobContext job) throws Exception {
        Thread.sleep(Long.parseLong(job.payload().strip()));
        return Outcome.done();
    }
}
