package dev.quarry.internal.handler;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a configured command line into arguments the way a POSIX shell would split plain words,
 * single quotes and double quotes (with backslash escapes), and nothing more: no variables, no
 * globbing, no pipes. The result goes straight to {@link ProcessBuilder}; no shell ever runs.
 */
public final class CommandLine {
    private CommandLine() {
    }

    /** @throws IllegalArgumentException for an unclosed quote or an empty command */
    public static List<String> split(String line) {
        List<String> args = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inArg = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') quote = 0; else cur.append(c);
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
                    cur.append(line.charAt(++i));
                } else {
                    cur.append(c);
                }
            } else if (Character.isWhitespace(c)) {
                if (inArg) {
                    args.add(cur.toString());
                    cur.setLength(0);
                    inArg = false;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inArg = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
                inArg = true;
            } else {
                cur.append(c);
                inArg = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unclosed " + quote + " quote in: " + line);
        if (inArg) args.add(cur.toString());
        if (args.isEmpty()) throw new IllegalArgumentException("empty command");
        return List.copyOf(args);
    }
}
