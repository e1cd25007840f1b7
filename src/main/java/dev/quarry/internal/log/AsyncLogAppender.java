package dev.quarry.internal.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import ch.qos.logback.core.util.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Writes the lines of the threads that log them on a thread of its own, as logback's
 * AsyncAppender does, but in batches: after writing what it found, the writer pauses
 * {@code linger} (default 1 ms) before it looks again. A thread that logs while the writer
 * pauses only adds its line to the queue; with logback's appender, whose writer waits on the queue
 * and is woken by each line that finds it waiting, a burst of job lines cost their thread (the
 * drain's) a wake-up of the writer for every few lines.
 *
 * <p>Nothing is dropped: a thread that finds the queue ({@code queueSize}, default 8192 lines)
 * full waits for room. Lines keep their order. At a stop everything queued is written before the
 * attached appender stops.
 */
public class AsyncLogAppender extends UnsynchronizedAppenderBase<ILoggingEvent> implements AppenderAttachable<ILoggingEvent> {
    private final AppenderAttachableImpl<ILoggingEvent> attached = new AppenderAttachableImpl<>();
    private int queueSize = 8192;
    private Duration linger = Duration.buildByMilliseconds(1);
    private ArrayBlockingQueue<ILoggingEvent> queue;
    private Thread writer;

    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    public int getQueueSize() {
        return queueSize;
    }

    /** How long the writer pauses after a batch, e.g. {@code 1 millisecond}. */
    public void setLinger(Duration linger) {
        this.linger = linger;
    }

    public Duration getLinger() {
        return linger;
    }

    @Override
    public void start() {
        if (isStarted()) return;
        if (!attached.iteratorForAppenders().hasNext()) {
            addError("no appender attached to " + getName() + ": add an appender-ref");
            return;
        }
        if (queueSize < 1) {
            addError("queueSize of " + getName() + " must be at least 1, not " + queueSize);
            return;
        }
        if (linger == null || linger.getMilliseconds() < 0) {
            addError("linger of " + getName() + " must not be negative");
            return;
        }
        queue = new ArrayBlockingQueue<>(queueSize);
        super.start();
        writer = new Thread(this::write, "quarry-log-" + getName());
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        // The message, the thread's name and its MDC are taken now, on the thread that logs.
        event.prepareForDeferredProcessing();
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(event);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private void write() {
        List<ILoggingEvent> batch = new ArrayList<>();
        long lingerMillis = linger.getMilliseconds();
        try {
            while (isStarted()) {
                batch.add(queue.take());
                queue.drainTo(batch);
                writeAll(batch);
                if (lingerMillis > 0) Thread.sleep(lingerMillis);
            }
        } catch (InterruptedException e) {
            // stop(): what is left is written below
        }
        queue.drainTo(batch);
        writeAll(batch);
    }

    private void writeAll(List<ILoggingEvent> batch) {
        for (ILoggingEvent e : batch) attached.appendLoopOnAppenders(e);
        batch.clear();
    }

    @Override
    public void stop() {
        if (!isStarted()) return;
        super.stop();
        writer.interrupt();
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) addWarn("the writer of " + getName() + " did not finish within 10 s; lines may be lost");
        attached.detachAndStopAllAppenders();
    }

    @Override
    public void addAppender(Appender<ILoggingEvent> appender) {
        attached.addAppender(appender);
    }

    @Override
    public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
        return attached.iteratorForAppenders();
    }

    @Override
    public Appender<ILoggingEvent> getAppender(String name) {
        return attached.getAppender(name);
    }

    @Override
    public boolean isAttached(Appender<ILoggingEvent> appender) {
        return attached.isAttached(appender);
    }

    @Override
    public void detachAndStopAllAppenders() {
        attached.detachAndStopAllAppenders();
    }

    @Override
    public boolean detachAppender(Appender<ILoggingEvent> appender) {
        return attached.detachAppender(appender);
    }

    @Override
    public boolean detachAppender(String name) {
        return attached.detachAppender(name);
    }
}
