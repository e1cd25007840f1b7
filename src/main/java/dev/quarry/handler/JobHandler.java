package dev.quarry.handler;

/**
 * Runs jobs of one type. Name the implementing class in {@code quarry.properties} as
 * {@code handler.TYPE.class=com.example.MyHandler}; it needs a public no-argument constructor and
 * is shared by all worker threads, so it must be thread-safe.
 *
 * <p>Return {@link Outcome#done()} on success, or {@link Outcome#done(String)} with a result the
 * producer reads from the row; report progress on the way with {@link JobContext#progress}. Throwing, or returning {@link Outcome#failed}, retries
 * the job with exponential backoff until its attempts are used up, then it is dead;
 * {@link Outcome#permanentFailure} makes it dead at once; {@link Outcome#later} runs it again after
 * a delay without using up an attempt. A job may run more than once (after a crash), so make the
 * handler idempotent: {@link JobContext#id()} is a stable idempotency key.
 *
 * <p>When the node stops, the worker thread is interrupted after the grace period: long handlers
 * should notice {@link Thread#interrupted()} and return or throw.
 */
@FunctionalInterface
public interface JobHandler {
    Outcome handle(JobContext job) throws Exception;
}
