package dev.quarry.internal.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.util.Duration;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node's log file: logback's {@link RollingFileAppender} (rolling, history and size cap as
 * configured), but a line below WARN is not written on its own. It waits in the file's buffer
 * until the buffer fills, a WARN or ERROR line comes, or {@code flushInterval} (default 200 ms)
 * passes, so a burst of job lines costs one write to the file, not one per line. A WARN or ERROR
 * line is written at once, with every line before it, in order.
 *
 * <p>A clean stop writes everything. A node killed with {@code kill -9} loses at most its last
 * {@code flushInterval} of INFO lines, besides the lines still in the async appender's queue in
 * front of this one; its warnings and errors are on disk.
 */
public class LogFileAppender extends RollingFileAppender<ILoggingEvent> {
    private Duration flushInterval = Duration.buildByMilliseconds(200);
    private ScheduledExecutorService flusher;

    /** Off by default, unlike logback's: the interval bounds how long a line waits. {@code <immediateFlush>true</immediateFlush>} still flushes each line. */
    public LogFileAppender() {
        setImmediateFlush(false);
    }

    /** How long an INFO line may wait in the buffer, e.g. {@code 200 milliseconds} or {@code 1 second}. */
    public void setFlushInterval(Duration flushInterval) {
        this.flushInterval = flushInterval;
    }

    public Duration getFlushInterval() {
        return flushInterval;
    }

    @Override
    public void start() {
        if (flushInterval == null || flushInterval.getMilliseconds() < 1) {
            addError("flushInterval must be at least 1 millisecond, not " + flushInterval);
            return;
        }
        super.start();
        if (!isStarted()) return;
        flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "quarry-log-flush");
            t.setDaemon(true);
            return t;
        });
        long every = flushInterval.getMilliseconds();
        flusher.scheduleWithFixedDelay(this::flush, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void subAppend(ILoggingEvent event) {
        super.subAppend(event);
        if (event.getLevel().isGreaterOrEqual(Level.WARN)) flush();
    }

    /** Writes what waits in the buffer. */
    void flush() {
        streamWriteLock.lock();
        try {
            OutputStream out = getOutputStream();
            if (out != null && isStarted()) out.flush();
        } catch (IOException e) {
            addError("could not write the log file " + getFile(), e);
        } finally {
            streamWriteLock.unlock();
        }
    }

    @Override
    public void stop() {
        if (flusher != null) flusher.shutdownNow();
        super.stop(); // closes the file, which writes what waits
    }
}
