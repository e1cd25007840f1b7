package dev.quarry.internal.drain;

import dev.quarry.handler.ProgressSink;
import dev.quarry.internal.queue.ClaimedJob;
import dev.quarry.internal.queue.ProgressStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one writer of job progress. Handlers report on their own threads and return at once;
 * this writer's thread puts the reports into the rows, at most one UPDATE per job (per claim) every
 * {@value #MIN_GAP_MILLIS} ms, the last report winning and the last one always written (a report
 * that comes inside the gap waits for its end). Progress never touches a drain's thread, its
 * transaction or its connection: the writes take a connection of the node's pool of their own,
 * one at a time. A database error costs only progress: the report stays and is tried at the next
 * gap; a report fenced off (the claim is no longer this run's) is dropped.
 */
public final class ProgressWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProgressWriter.class);
    static final long MIN_GAP_MILLIS = 1000;
    private static final long MIN_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(MIN_GAP_MILLIS);
    /** How often the thread looks for reports whose gap is over while some wait. */
    private static final long TICK_MILLIS = 100;
    static final long CLOSE_WAIT_MILLIS = 2000;
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** Drops every report: for runtimes built without a node (benchmarks, tools). */
    public static final ProgressWriter NONE = new ProgressWriter(null);

    private final ProgressStore store;
    private final Map<Key, Entry> entries = new HashMap<>();
    private final Thread thread;
    private boolean closed;
    /** Rows written, and writes the fencing refused: for tests and the log. */
    final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong fencedOff = new java.util.concurrent.atomic.AtomicLong();
    private long lastWarnNanos = System.nanoTime() - WARN_EVERY_NANOS;

    private record Key(long id, long claimToken) {
    }

    /** The latest report of one claim, and when its row was last written. */
    private static final class Entry {
        int percent;
        String note;
        boolean dirty;
        boolean everWritten;
        long writtenAtNanos;
    }

    private record Write(Key key, int percent, String note) {
    }

    /** Starts the writer's thread; {@code store} null makes a writer that drops everything. */
    public ProgressWriter(ProgressStore store) {
        this.store = store;
        if (store == null) {
            thread = null;
            return;
        }
        thread = new Thread(this::loop, "quarry-progress");
        thread.setDaemon(true);
        thread.start();
    }

    /** Where the run of {@code job} under this claim reports. */
    ProgressSink sinkFor(ClaimedJob job) {
        if (store == null) return ProgressSink.DISCARD;
        Key key = new Key(job.id(), job.claimToken());
        return (percent, note) -> report(key, percent, note);
    }

    private synchronized void report(Key key, int percent, String note) {
        if (closed) return;
        Entry e = entries.computeIfAbsent(key, k -> new Entry());
        e.percent = percent;
        e.note = note;
        // Only the first report since the last write wakes the writer: a handler reporting in a
        // tight loop must not keep it busy (it looks again every tick while reports wait).
        if (!e.dirty) notifyAll();
        e.dirty = true;
    }

    private void loop() {
        while (true) {
            List<Write> due;
            boolean last;
            try {
                synchronized (this) {
                    due = takeDue();
                    last = closed;
                }
            } catch (InterruptedException e) {
                return;
            }
            for (Write w : due) write(w);
            if (last) return;
        }
    }

    /** Waits for reports whose gap is over and takes them; once closed, takes every report still waiting. */
    private List<Write> takeDue() throws InterruptedException {
        while (!closed) {
            long now = System.nanoTime();
            List<Write> due = new ArrayList<>();
            for (Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Key, Entry> me = it.next();
                Entry e = me.getValue();
                boolean gapOver = !e.everWritten || now - e.writtenAtNanos >= MIN_GAP_NANOS;
                if (e.dirty && gapOver) {
                    due.add(new Write(me.getKey(), e.percent, e.note));
                    e.dirty = false;
                    e.everWritten = true;
                    e.writtenAtNanos = now;
                } else if (!e.dirty && gapOver) {
                    it.remove(); // a report after this starts a new gap: still at most one write a second
                }
            }
            if (!due.isEmpty()) return due;
            if (entries.isEmpty()) wait(); else wait(TICK_MILLIS);
        }
        // The last reports go now, whatever their gap: the node is stopping.
        List<Write> rest = new ArrayList<>();
        entries.forEach((k, e) -> {
            if (e.dirty) rest.add(new Write(k, e.percent, e.note));
        });
        entries.clear();
        return rest;
    }

    private void write(Write w) {
        try {
            if (store.write(w.key.id(), w.key.claimToken(), w.percent, w.note)) {
                written.incrementAndGet();
            } else {
                fencedOff.incrementAndGet();
                log.debug("progress of job {} fenced off: the row no longer carries this claim", w.key.id());
            }
        } catch (RuntimeException e) { // QuarryException for the database; anything else must not end the thread either
            synchronized (this) {
                Entry entry = entries.get(w.key);
                if (entry != null && !entry.dirty) {
                    // Keep the report for the next gap, unless a newer one came meanwhile.
                    entry.percent = w.percent;
                    entry.note = w.note;
                    entry.dirty = true;
                }
                long now = System.nanoTime();
                if (now - lastWarnNanos < WARN_EVERY_NANOS) return;
                lastWarnNanos = now;
            }
            log.warn("could not record job progress (tried again each second; this warning at most once a minute): {}", e.getMessage());
        }
    }

    /**
     * Has the thread write the reports still waiting, once each, and waits for it at most
     * {@value #CLOSE_WAIT_MILLIS} ms: call before the pool closes. With nothing waiting it returns
     * at once; with an unreachable database the stop goes on without the last reports (the thread
     * is a daemon).
     */
    @Override
    public void close() {
        if (thread == null) return;
        synchronized (this) {
            if (closed) return;
            closed = true;
            notifyAll();
        }
        try {
            thread.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
