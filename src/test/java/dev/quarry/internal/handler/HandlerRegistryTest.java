package dev.quarry.internal.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.internal.config.ConfigException;
import dev.quarry.internal.config.ConfigLoader;
import dev.quarry.internal.config.HandlerConfig;
import dev.quarry.internal.config.QuarryConfig;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The dead row's message for a type with no handler names a key the loader accepts, or says there is none. */
class HandlerRegistryTest {
    private static final List<String> KNOWN = List.of("resize-video", "noop");

    private static QuarryConfig load(String quarryProperties) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(quarryProperties));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ConfigLoader.fromProperties(p, new Properties(), Map.of("QUARRY_DB_URL", "jdbc:mariadb://db/quarry"));
    }

    @Test
    void a_nameable_type_gets_the_keys_to_configure() {
        assertThat(HandlerRegistry.noHandlerMessage("send-mail", KNOWN)).isEqualTo("no handler for type 'send-mail': configure"
                + " handler.send-mail.shell, .http or .class in quarry.properties (known types: noop, resize-video)");
    }

    @Test
    void a_type_with_a_space_is_said_to_be_unnameable_and_the_loader_indeed_refuses_it() {
        String message = HandlerRegistry.noHandlerMessage("send mail", KNOWN);
        assertThat(message).startsWith("no handler for type 'send mail': it is not a valid handler type name (letters, digits, _ . : -, up to 128)")
                .doesNotContain("handler.send mail").endsWith("(known types: noop, resize-video)");
        assertThat(HandlerConfig.validTypeName("send mail")).isFalse();
        // Written with the space escaped, the key reaches the loader whole, and it is refused.
        assertThatThrownBy(() -> load("handler.send\\ mail.shell = /bin/true\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("handler type 'send mail' is not a valid type name");
    }

    @Test
    void every_type_the_message_calls_nameable_loads_with_the_key_it_gives() {
        for (String type : List.of("send-mail", "billing:invoice", "v2.report_monthly", "x".repeat(128))) {
            String message = HandlerRegistry.noHandlerMessage(type, KNOWN);
            String key = message.substring(message.indexOf("configure ") + "configure ".length(), message.indexOf(", .http"));
            assertThat(load(key + " = /bin/true\n").handlers()).as(message).containsKey(type);
        }
        assertThat(HandlerRegistry.noHandlerMessage("billing:invoice", KNOWN)).contains("configure handler.billing\\:invoice.shell");
    }

    @Test
    void unnameable_types_are_refused_by_both_the_rule_and_the_loader() {
        for (String type : List.of("send/mail", "x".repeat(129), "caf\u00e9", "a=b")) {
            assertThat(HandlerConfig.validTypeName(type)).as(type).isFalse();
            assertThat(HandlerRegistry.noHandlerMessage(type, KNOWN)).as(type).contains("is not a valid handler type name");
        }
    }

    @Test
    void a_type_with_line_breaks_or_escapes_stays_on_one_line_in_the_message() {
        String message = HandlerRegistry.noHandlerMessage("mail\n\u001b[31mforged", KNOWN);
        assertThat(message).doesNotContain("\n").doesNotContain("\u001b").contains("'mail\\n\\x1b[31mforged'")
                .contains("is not a valid handler type name");
    }
}
