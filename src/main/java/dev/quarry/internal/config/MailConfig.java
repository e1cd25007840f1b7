package dev.quarry.internal.config;

/**
 * A mail handler's SMTP settings ({@code handler.TYPE.mail = smtp://HOST:PORT} and its keys). The
 * password comes from the environment ({@code .password-env}) or a file ({@code .password-file});
 * {@link #toString} never shows it.
 *
 * @param type     the job type
 * @param host     the SMTP server
 * @param port     its port (default 25)
 * @param from     the sender address (required)
 * @param user     the SMTP login, or null for none
 * @param password the SMTP password, or null
 * @param passwordSource where the password came from, for the effective config ("env SMTP_PASSWORD", "file /run/x")
 */
public record MailConfig(String type, String host, int port, String from, String user, String password, String passwordSource) {

    @Override
    public String toString() {
        return "smtp://" + host + ":" + port + ", from=" + from + (user == null ? "" : ", user=" + user)
                + (password == null ? "" : ", password from " + passwordSource + " (****)");
    }
}
