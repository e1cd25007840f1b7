package dev.quarry.internal.handler;

import dev.quarry.handler.JobContext;
import dev.quarry.handler.ProgressSink;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows the progress file a shell handler appends to ({@code QUARRY_PROGRESS_FILE}): each whole
 * line {@code PERCENT [NOTE]}, such as {@code 40 encoding audio}, is one report. A line that does
 * not read so (no number, over 100) is ignored, as is an overlong line: progress is advice, never
 * a reason to fail the job. Used by one thread at a time.
 */
final class ProgressLines {
    static final int MAX_LINE_BYTES = 4096;
    private static final Pattern LINE = Pattern.compile("\\s*(\\d{1,3})(?:%)?(?:\\s+(.*?))?\\s*");

    private final Path file;
    private final ProgressSink sink;
    private long position;
    private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();
    private boolean overlong;

    ProgressLines(Path file, ProgressSink sink) {
        this.file = file;
        this.sink = sink;
    }

    /** Reads what was appended since the last call and reports each whole line. */
    void poll() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (f.length() < position) position = 0; // truncated by the handler: start over
            f.seek(position);
            byte[] buf = new byte[8192];
            for (int n; (n = f.read(buf)) > 0; ) {
                position += n;
                for (int i = 0; i < n; i++) accept(buf[i]);
            }
        } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
            // the handler removed it: nothing to read
        }
    }

    private void accept(byte b) {
        if (b == '\n') {
            if (!overlong) line(partial.toString(StandardCharsets.UTF_8));
            partial.reset();
            overlong = false;
        } else if (partial.size() < MAX_LINE_BYTES) {
            partial.write(b);
        } else {
            overlong = true;
        }
    }

    private void line(String text) {
        Matcher m = LINE.matcher(text);
        if (!m.matches()) return;
        int percent = Integer.parseInt(m.group(1));
        if (percent > 100) return;
        String note = m.group(2);
        sink.report(percent, note == null || note.isEmpty() ? null : dev.quarry.internal.Text.head(note, JobContext.NOTE_MAX_CHARS));
    }
}
