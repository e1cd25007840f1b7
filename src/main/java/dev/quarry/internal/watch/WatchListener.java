package dev.quarry.internal.watch;

import dev.quarry.internal.schedule.FireEnqueuer;
import java.io.File;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import org.quartz.jobs.DirectoryScanListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one job per file a scan of watch {@code name} found: the file's path and modification
 * time are its key, so a rescan (after a node died mid-scan, before its watermark was stored)
 * enqueues nothing twice. A failure stops the scan before the watermark moves: the next scan
 * offers the same files again.
 */
final class WatchListener implements DirectoryScanListener {
    private static final Logger log = LoggerFactory.getLogger(WatchListener.class);

    private final String name;
    private final FireEnqueuer fires;

    WatchListener(String name, FireEnqueuer fires) {
        this.name = name;
        this.fires = fires;
    }

    @Override
    public void filesUpdatedOrAdded(File[] files) {
        File[] sorted = files.clone();
        Arrays.sort(sorted, Comparator.comparingLong(File::lastModified).thenComparing(File::getPath));
        for (File f : sorted) {
            long modified = f.lastModified();
            String path = f.getAbsolutePath();
            Optional<FireEnqueuer.Result> r = fires.file(name, path, modified, f.length());
            if (r.isEmpty()) {
                log.info("watch {} file {}: paused or removed, nothing enqueued", name, path);
                return;
            }
            if (r.get().repeated()) {
                log.info("watch {} file {} (modified {}): already enqueued as job {}", name, path, Instant.ofEpochMilli(modified), r.get().jobId());
            } else {
                log.info("watch {} file {} (modified {}): job {} enqueued in queue {}", name, path, Instant.ofEpochMilli(modified),
                        r.get().jobId(), r.get().queue());
            }
        }
    }
}
