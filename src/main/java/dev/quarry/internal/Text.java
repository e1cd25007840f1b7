package dev.quarry.internal;

/** Text made safe for one log line or a bounded column. */
public final class Text {
    private Text() {
    }

    /**
     * Escapes line breaks and other control characters (ANSI escapes included) so text from a
     * row or a handler can never forge a log line or recolour a terminal; cuts it to {@code max}.
     */
    public static String oneLine(String s, int max) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 16);
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0)) {
                        b.append(String.format("\\x%02x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        if (b.length() >= max && s.length() > max) b.append("…");
        return b.toString();
    }

    /** At most {@code max} characters, keeping the end (where a stack or stderr says what went wrong). */
    public static String tail(String s, int max) {
        if (s == null || s.length() <= max) return s;
        return "…" + s.substring(s.length() - max + 1);
    }

    /** At most {@code max} characters, keeping the start. */
    public static String head(String s, int max) {
        if (s == null || s.length() <= max) return s;
        return s.substring(0, max - 1) + "…";
    }

    /** At most {@code maxBytes} bytes of UTF-8, keeping the start and cutting only between characters. */
    public static String utf8Head(String s, int maxBytes) {
        if (s == null || s.length() <= maxBytes / 3) return s;
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (utf8.length <= maxBytes) return s;
        int end = maxBytes;
        while (end > 0 && (utf8[end] & 0xC0) == 0x80) end--; // back to the first byte of a character
        return new String(utf8, 0, end, java.nio.charset.StandardCharsets.UTF_8);
    }
}
