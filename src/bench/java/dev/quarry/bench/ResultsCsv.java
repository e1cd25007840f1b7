package dev.quarry.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends result rows to a CSV file with a fixed header, so runs from different days and commits
 * line up in one spreadsheet. A figure that has no column of its own goes into {@code notes} as
 * {@code key=value;...}. A file whose header differs (written by an older benchmark) is left
 * alone and the rows go to a new file beside it.
 */
final class ResultsCsv {
    static final List<String> COLUMNS = List.of("timestamp", "commit", "run", "backlog", "threads", "drain_log", "jobs_per_s",
            "ratio", "p50_delay_ms", "p99_delay_ms", "max_delay_ms", "peak_heap_mb", "heap_max_mb", "wall_s", "db_s", "insert_s",
            "insert_rows_per_s", "drains", "max_handover_ms", "gc_count", "gc_ms", "rate", "duration_s", "jobs", "done", "status",
            "notes");
    static final String HEADER = String.join(",", COLUMNS);

    private final Path file;
    private final String commit;

    ResultsCsv(Path file, String commit) {
        this.file = file;
        this.commit = commit;
    }

    /** @return the file actually written */
    Path append(ResultRow row) {
        Path target = targetFile();
        try {
            if (target.getParent() != null) Files.createDirectories(target.getParent());
            StringBuilder s = new StringBuilder();
            if (!Files.exists(target) || Files.size(target) == 0) s.append(HEADER).append('\n');
            s.append(line(row)).append('\n');
            Files.writeString(target, s, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    String line(ResultRow row) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("timestamp", OffsetDateTime.now(ZoneOffset.UTC).withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        values.put("commit", commit);
        values.put("run", row.run());
        List<String> notes = new ArrayList<>();
        row.fields().forEach((k, v) -> {
            if (COLUMNS.contains(k) && !k.equals("notes")) values.put(k, v); else notes.add(k + "=" + v);
        });
        values.put("notes", String.join(";", notes));
        List<String> cells = new ArrayList<>();
        for (String c : COLUMNS) cells.add(escape(values.getOrDefault(c, "")));
        return String.join(",", cells);
    }

    private Path targetFile() {
        try {
            if (Files.exists(file) && Files.size(file) > 0) {
                String first;
                try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
                    first = lines.findFirst().orElse("");
                }
                if (!first.equals(HEADER)) {
                    String name = file.getFileName().toString().replaceFirst("\\.csv$", "");
                    return file.resolveSibling(name + "-v2.csv");
                }
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String escape(String v) {
        if (v.contains(",") || v.contains("\"") || v.contains("\n")) return '"' + v.replace("\"", "\"\"") + '"';
        return v;
    }
}
