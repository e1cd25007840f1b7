package dev.quarry.internal.handler;

import dev.quarry.handler.JobContext;
import dev.quarry.handler.Outcome;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.internal.config.MailConfig;
import dev.quarry.testing.TestSmtp;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mail handler against a real SMTP server ({@link TestSmtp}: 550 for nowhere.test, 451 for busy.test). */
class MailHandlerTest {
    private static TestSmtp smtp;

    @BeforeAll
    static void startServer() {
        smtp = TestSmtp.start();
    }

    @AfterAll
    static void stopServer() {
        if (smtp != null) smtp.close();
    }

    @BeforeEach
    void clear() {
        smtp.purge();
    }

    private static MailHandler handler(int smtpPort) {
        return new MailHandler(new MailConfig("email", "127.0.0.1", smtpPort, "Quarry <noreply@quarry.test>", null, null, null), Duration.ofSeconds(10));
    }

    private static JobContext job(String payload) {
        return new JobContext(41, "mail", "email", payload, 1, 5);
    }

    @Test
    void a_mail_arrives_with_its_from_to_and_subject() throws Exception {
        Outcome o = handler(smtp.port()).handle(job("{\"to\": [\"ann@example.test\", \"bob@example.test\"], \"subject\": \"Your report \u2013 March\","
                + " \"body\": \"Hello Ann,\\nyour report is ready.\"}"));
        assertThat(o).isEqualTo(Outcome.done());
        MimeMessage[] received = smtp.received();
        // One message per recipient mailbox.
        assertThat(received).hasSize(2);
        MimeMessage m = received[0];
        assertThat(m.getHeader("From", null)).isEqualTo("Quarry <noreply@quarry.test>");
        assertThat(m.getHeader("To", null)).isEqualTo("ann@example.test, bob@example.test");
        assertThat(m.getSubject()).isEqualTo("Your report \u2013 March");
        assertThat(m.getHeader("X-Quarry-Job-Id", null)).isEqualTo("41");
        assertThat(((String) m.getContent()).replace("\r\n", "\n")).isEqualTo("Hello Ann,\nyour report is ready.");
    }

    @Test
    void a_5xx_reply_is_a_permanent_failure_with_the_servers_reply() {
        Outcome o = handler(smtp.port()).handle(job("{\"to\": \"ghost@nowhere.test\", \"subject\": \"s\", \"body\": \"b\"}"));
        assertThat(o).isInstanceOf(Outcome.PermanentFailure.class);
        assertThat(((Outcome.PermanentFailure) o).error()).contains("550 5.1.1 <ghost@nowhere.test>: Recipient address rejected: no such mailbox");
        assertThat(smtp.received()).isEmpty();
    }

    @Test
    void a_4xx_reply_and_a_refused_connection_are_retried() throws Exception {
        Outcome busy = handler(smtp.port()).handle(job("{\"to\": \"ann@busy.test\", \"subject\": \"s\", \"body\": \"b\"}"));
        assertThat(busy).isInstanceOf(Outcome.Failed.class);
        assertThat(((Outcome.Failed) busy).error()).contains("451 4.7.1");
        int closed = TestSmtp.freePort();
        Outcome refused = handler(closed).handle(job("{\"to\": \"ann@example.test\", \"subject\": \"s\", \"body\": \"b\"}"));
        assertThat(refused).isInstanceOf(Outcome.Failed.class);
        assertThat(((Outcome.Failed) refused).error()).contains("cannot send through SMTP server 127.0.0.1:" + closed);
    }

    @Test
    void a_payload_without_a_recipient_is_a_permanent_failure() {
        assertThat(handler(smtp.port()).handle(job("{\"subject\": \"s\", \"body\": \"b\"}"))).isInstanceOf(Outcome.PermanentFailure.class);
        assertThat(handler(smtp.port()).handle(job("not json"))).isInstanceOf(Outcome.PermanentFailure.class);
    }
}
