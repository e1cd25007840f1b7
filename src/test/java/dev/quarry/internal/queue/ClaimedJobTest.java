package dev.quarry.internal.queue;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClaimedJobTest {

    @Test
    void a_type_with_line_breaks_and_ansi_escapes_stays_on_one_plain_line() {
        String type = "mail\n2026-01-01 00:00:00.000 INFO  forged line\r\u001b[31mred\u001b[0m";
        String s = new ClaimedJob(7, "default", type, "{}", 2, 1, 5, 99).toString();
        assertThat(s).doesNotContain("\n").doesNotContain("\r").doesNotContain("\u001b")
                .isEqualTo("job 7 (mail\\n2026-01-01 00:00:00.000 INFO  forged line\\r\\x1b[31mred\\x1b[0m, queue default, attempt 1/5)");
    }

    @Test
    void a_plain_type_is_shown_as_it_is() {
        assertThat(new ClaimedJob(8, "video", "resize-video", "{}", 2, 2, 3, 1).toString())
                .isEqualTo("job 8 (resize-video, queue video, attempt 2/3)");
    }
}
