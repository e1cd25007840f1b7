package dev.quarry.internal.handler;

import dev.quarry.handler.JobContext;
import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.internal.Text;
import dev.quarry.internal.config.MailConfig;
import jakarta.mail.MessagingException;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.quartz.JobDataMap;
import org.quartz.jobs.ee.mail.SendMailJob;

/**
 * Sends one mail per job ({@code handler.TYPE.mail = smtp://HOST:PORT}): the payload is
 * {@code {"to": "a@example.com" or ["a@…", "b@…"], "subject": "…", "body": "…"}}, the sender is
 * {@code handler.TYPE.from}. The message is built by quartz-jobs' {@link SendMailJob} from the
 * same job data it reads when Quartz fires it, and sent here, so the drain sees the SMTP reply:
 * a 5xx reply is a permanent failure (the job goes dead with the server's reply in last_error), a
 * 4xx reply or a connection error is retried. {@code handler.TYPE.timeout} bounds the connect and
 * every read and write.
 */
public final class MailHandler implements JobHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MailConfig smtp;
    private final Duration timeout;

    public MailHandler(MailConfig smtp, Duration timeout) {
        this.smtp = smtp;
        this.timeout = timeout;
    }

    @Override
    public Outcome handle(JobContext job) {
        JsonNode payload;
        try {
            payload = JSON.readTree(job.payload() == null || job.payload().isBlank() ? "{}" : job.payload());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Outcome.permanentFailure("payload is not JSON: " + Text.oneLine(e.getOriginalMessage(), 300) + "; a mail job's payload is "
                    + "{\"to\": ..., \"subject\": ..., \"body\": ...}");
        }
        List<String> to = recipients(payload.get("to"));
        String subject = text(payload.get("subject"));
        String body = text(payload.get("body"));
        if (to.isEmpty() || subject == null || body == null) {
            return Outcome.permanentFailure("payload needs \"to\" (an address or a list of them), \"subject\" and \"body\" as strings");
        }
        MimeMessage message;
        try {
            message = new MessageBuilder().build(jobData(String.join(", ", to), subject, body));
            message.setHeader("X-Quarry-Job-Id", Long.toString(job.id()));
        } catch (MessagingException | IllegalArgumentException e) {
            return Outcome.permanentFailure("cannot build the mail: " + Text.oneLine(String.valueOf(e.getMessage()), 500));
        }
        try {
            if (smtp.user() != null) {
                Transport.send(message, smtp.user(), smtp.password());
            } else {
                Transport.send(message);
            }
            return Outcome.done();
        } catch (MessagingException e) {
            return classify(e);
        }
    }

    /** The data SendMailJob reads (its PROP_ keys, and mail.smtp.* settings passed to the session). */
    private JobDataMap jobData(String to, String subject, String body) {
        JobDataMap data = new JobDataMap();
        data.put(SendMailJob.PROP_SMTP_HOST, smtp.host());
        data.put(SendMailJob.PROP_SENDER, smtp.from());
        data.put(SendMailJob.PROP_RECIPIENT, to);
        data.put(SendMailJob.PROP_SUBJECT, subject);
        data.put(SendMailJob.PROP_MESSAGE, body);
        data.put(SendMailJob.PROP_CONTENT_TYPE, "text/plain; charset=UTF-8");
        data.put("mail.smtp.port", Integer.toString(smtp.port()));
        String millis = Long.toString(Math.max(1, timeout.toMillis()));
        data.put("mail.smtp.connectiontimeout", millis);
        data.put("mail.smtp.timeout", millis);
        data.put("mail.smtp.writetimeout", millis);
        if (smtp.user() != null) data.put("mail.smtp.auth", "true");
        return data;
    }

    /** 5xx: the server will never take this mail; 4xx or no reply at all (connection refused, timeout): try again later. */
    private Outcome classify(MessagingException e) {
        String where = "SMTP server " + smtp.host() + ":" + smtp.port();
        for (Throwable t = e; t != null; t = next(t)) {
            int code = replyCode(t);
            if (code <= 0) continue;
            String reply = where + " answered: " + Text.oneLine(String.valueOf(t.getMessage()).strip(), 1000);
            return code >= 500 && code < 600 ? Outcome.permanentFailure(reply) : Outcome.failed(reply);
        }
        return Outcome.failed("cannot send through " + where + ": " + Text.oneLine(String.valueOf(rootMessage(e)), 1000));
    }

    private static int replyCode(Throwable t) {
        if (t instanceof SMTPAddressFailedException a) return a.getReturnCode();
        if (t instanceof SMTPSenderFailedException s) return s.getReturnCode();
        if (t instanceof SMTPSendFailedException s) return s.getReturnCode();
        return -1;
    }

    private static Throwable next(Throwable t) {
        if (t instanceof MessagingException m && m.getNextException() != null && m.getNextException() != t) return m.getNextException();
        return t.getCause() == t ? null : t.getCause();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (next(t) != null) t = next(t);
        return t == e ? e.getMessage() : e.getMessage() + " (" + t + ")";
    }

    private static List<String> recipients(JsonNode to) {
        List<String> out = new ArrayList<>();
        if (to == null) return out;
        if (to.isTextual() && !to.asText().isBlank()) out.add(to.asText());
        if (to.isArray()) to.forEach(n -> {
            if (n.isTextual() && !n.asText().isBlank()) out.add(n.asText());
        });
        return out;
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() ? n.asText() : null;
    }

    /** Quartz's message building, with a session of this handler's own (see {@link #getMailSession}). */
    private static final class MessageBuilder extends SendMailJob {
        MimeMessage build(JobDataMap data) throws MessagingException {
            return prepareMimeMessage(populateMailInfo(data, createMailInfo()));
        }

        /**
         * SendMailJob takes {@code Session.getDefaultInstance}, which is one per JVM and keeps the
         * first caller's settings: a second mail handler would send through the first one's server.
         */
        @Override
        protected jakarta.mail.Session getMailSession(MailInfo mailInfo) {
            java.util.Properties p = new java.util.Properties();
            p.put("mail.smtp.host", mailInfo.getSmtpHost());
            if (mailInfo.getSmtpProperties() != null) p.putAll(mailInfo.getSmtpProperties());
            return jakarta.mail.Session.getInstance(p);
        }
    }

    @Override
    public String toString() {
        return "mail " + smtp;
    }
}
