package dev.quarry.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextTest {
    @Test
    void line_breaks_and_ansi_escapes_cannot_forge_a_log_line() {
        String forged = "ok\n2026-01-01 00:00:00.000 INFO  job 1 done\r\u001b[31mred";
        String safe = Text.oneLine(forged, 500);
        assertThat(safe).doesNotContain("\n", "\r", "\u001b");
        assertThat(safe).isEqualTo("ok\\n2026-01-01 00:00:00.000 INFO  job 1 done\\r\\x1b[31mred");
    }

    @Test
    void one_line_is_cut_to_its_limit_with_a_mark() {
        assertThat(Text.oneLine("abcdef", 3)).isEqualTo("abc…");
    }

    @Test
    void tail_keeps_the_end_and_head_keeps_the_start() {
        assertThat(Text.tail("0123456789", 4)).isEqualTo("…789");
        assertThat(Text.head("0123456789", 4)).isEqualTo("012…");
        assertThat(Text.tail("short", 10)).isEqualTo("short");
    }
}
