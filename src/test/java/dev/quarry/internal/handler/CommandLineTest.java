package dev.quarry.internal.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CommandLineTest {
    @Test
    void plain_words_split_on_whitespace() {
        assertThat(CommandLine.split("  /bin/resize  --quality 80 ")).containsExactly("/bin/resize", "--quality", "80");
    }

    @Test
    void quotes_keep_spaces_and_take_nothing_else_as_special() {
        assertThat(CommandLine.split("cmd 'a b' \"c $HOME d\" e\\ f")).containsExactly("cmd", "a b", "c $HOME d", "e f");
        assertThat(CommandLine.split("cmd '' \"x\\\"y\"")).containsExactly("cmd", "", "x\"y");
    }

    @Test
    void shell_operators_are_ordinary_characters() {
        assertThat(CommandLine.split("echo a;rm -rf / | cat && $(x)")).containsExactly("echo", "a;rm", "-rf", "/", "|", "cat", "&&", "$(x)");
    }

    @Test
    void an_unclosed_quote_or_an_empty_line_is_refused() {
        assertThatThrownBy(() -> CommandLine.split("cmd 'oops")).hasMessageContaining("unclosed ' quote");
        assertThatThrownBy(() -> CommandLine.split("   ")).hasMessageContaining("empty command");
    }
}
