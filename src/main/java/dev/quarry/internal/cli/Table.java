package dev.quarry.internal.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A table for the terminal: left-aligned columns two spaces apart; every cell made safe by {@link Formats#line}. */
final class Table {
    private static final int MAX_CELL = 120;
    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = headers;
    }

    Table add(Object... cells) {
        if (cells.length != headers.length) throw new IllegalArgumentException(cells.length + " cells for " + headers.length + " columns");
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) row[i] = Formats.line(cells[i] == null ? null : cells[i].toString(), MAX_CELL);
        rows.add(row);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    void print(PrintWriter out) {
        int[] width = new int[headers.length];
        for (int i = 0; i < headers.length; i++) width[i] = headers[i].length();
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].codePointCount(0, r[i].length()));
        }
        line(out, headers, width);
        for (String[] r : rows) line(out, r, width);
    }

    private static void line(PrintWriter out, String[] cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            b.append(cells[i]);
            if (i < cells.length - 1) b.append(" ".repeat(width[i] - cells[i].codePointCount(0, cells[i].length()) + 2));
        }
        out.println(b.toString().stripTrailing());
    }
}
