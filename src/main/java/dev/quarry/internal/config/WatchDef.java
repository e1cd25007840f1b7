package dev.quarry.internal.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One watch folder, from the {@code watch.NAME.*} keys: every new or changed file in {@code dir},
 * once it has stopped changing, becomes one job of {@code type}.
 *
 * @param name     the NAME of the keys; letters, digits, _ and -, up to 64
 * @param dir      the folder, absolute; the same path must reach the same folder on every node
 * @param type     the job type (required)
 * @param queue    the job's queue (default {@code default})
 * @param interval how often the folder is scanned (default 10s); a file is taken once it is older than this
 */
public record WatchDef(String name, Path dir, String type, String queue, Duration interval) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    public String canonical() {
        return "watch " + name + " dir=" + dir + " type=" + type + " queue=" + queue + " interval=" + interval.toMillis() + "ms";
    }
}
