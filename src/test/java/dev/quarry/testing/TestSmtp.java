package dev.quarry.testing;

import com.icegreen.greenmail.Managers;
import com.icegreen.greenmail.mail.MailAddress;
import com.icegreen.greenmail.server.AbstractServer;
import com.icegreen.greenmail.smtp.SmtpManager;
import com.icegreen.greenmail.smtp.SmtpServer;
import com.icegreen.greenmail.smtp.SmtpState;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

/**
 * A real SMTP server (GreenMail) on a free loopback port, stricter than GreenMail's default: it
 * refuses recipients at {@value #NO_SUCH_DOMAIN} with 550 (an unknown mailbox) and at
 * {@value #BUSY_DOMAIN} with 451 (greylisting), as production servers do.
 */
public final class TestSmtp implements AutoCloseable {
    public static final String NO_SUCH_DOMAIN = "nowhere.test";
    public static final String BUSY_DOMAIN = "busy.test";

    private final GreenMail server;
    private final int port;

    private TestSmtp(GreenMail server, int port) {
        this.server = server;
        this.port = port;
    }

    public static TestSmtp start() {
        int port = freePort();
        GreenMail server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP)) {
            @Override
            protected Map<String, AbstractServer> createServices(ServerSetup[] config, Managers given) {
                // The strict managers become the server's, so getReceivedMessages reads their mailboxes.
                if (!(managers instanceof StrictManagers)) managers = new StrictManagers();
                Map<String, AbstractServer> services = new HashMap<>();
                services.put(ServerSetup.PROTOCOL_SMTP, new SmtpServer(config[0], managers));
                return services;
            }
        };
        server.start();
        return new TestSmtp(server, port);
    }

    /** A port nothing listens on (a moment ago). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    public MimeMessage[] received() {
        return server.getReceivedMessages();
    }

    public void purge() {
        try {
            server.purgeEmailFromAllMailboxes();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }

    /** GreenMail's SMTP manager accepts every recipient; this one answers RCPT as a strict server would. */
    private static final class StrictManagers extends Managers {
        private final SmtpManager strict = new SmtpManager(getImapHostManager(), getUserManager()) {
            @Override
            public String checkRecipient(SmtpState state, MailAddress rcpt) {
                if (rcpt.getHost().equals(NO_SUCH_DOMAIN)) return "550 5.1.1 <" + rcpt.getEmail() + ">: Recipient address rejected: no such mailbox";
                if (rcpt.getHost().equals(BUSY_DOMAIN)) return "451 4.7.1 <" + rcpt.getEmail() + ">: greylisted, try again later";
                return null;
            }
        };

        @Override
        public SmtpManager getSmtpManager() {
            return strict;
        }
    }
}
