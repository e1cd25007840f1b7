package dev.quarry.config;

import java.time.Duration;
import java.util.Optional;

/**
 * One queue as this node drains it.
 *
 * @param name      the value producers put in {@code quarry_jobs.queue}
 * @param workers   handler threads for this queue on this node (default 8)
 * @param cron      Quartz cron expression of the drain (default every minute: {@code 0 * * * * ?})
 * @param batchSize most jobs claimed in one statement, and held claimed but not yet started; fewer are held
 *                  when jobs are slow (default 500)
 * @param budget    how long one drain claims before it hands over; empty: until the next scheduled fire
 */
public record QueueConfig(String name, int workers, String cron, int batchSize, Optional<Duration> budget) {
    public static final int DEFAULT_WORKERS = 8;
    public static final String DEFAULT_CRON = "0 * * * * ?";
    public static final int DEFAULT_BATCH_SIZE = 500;
}
