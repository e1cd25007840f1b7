package dev.quarry.internal.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.quartz.CronExpression;

/** Reads the {@code schedule.*}, {@code watch.*} and mail handler keys into a {@link ScheduleConfig}. */
final class ScheduleKeys {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    static final String NAME_RULE = "letters, digits, _ and -, up to 64";
    private static final Set<String> SCHEDULE_KEYS = Set.of("cron", "type", "payload", "queue", "priority", "max-attempts", "time-zone", "misfire");
    private static final Set<String> WATCH_KEYS = Set.of("dir", "type", "queue", "interval");

    private ScheduleKeys() {
    }

    /** Reads the keys into {@code n}; {@code handlers} are the handlers read so far (the mail handlers' settings go with them). */
    static void read(Settings s, NodeSettings n, Map<String, HandlerConfig> handlers, Map<String, String> env) {
        for (String name : names(s, "schedule.", SCHEDULE_KEYS)) schedule(s, n, name);
        List<WatchDef> watches = new ArrayList<>();
        for (String name : names(s, "watch.", WATCH_KEYS)) watches.add(watch(s, name));
        Map<String, MailConfig> mail = new LinkedHashMap<>();
        for (HandlerConfig h : handlers.values()) {
            if (h.kind() == HandlerConfig.Kind.MAIL) mail.put(h.type(), mail(s, h, env));
        }
        n.watches(watches).mail(mail);
    }

    /** The NAMEs of {@code prefix}NAME.KEY keys, sorted; a key outside {@code keys} is left for the unknown-key check. */
    private static Set<String> names(Settings s, String prefix, Set<String> keys) {
        Set<String> names = new TreeSet<>();
        for (String key : s.unread()) {
            if (!key.startsWith(prefix)) continue;
            int dot = key.lastIndexOf('.');
            if (dot <= prefix.length() || !keys.contains(key.substring(dot + 1))) continue;
            String name = key.substring(prefix.length(), dot);
            if (!NAME.matcher(name).matches()) {
                throw new ConfigException(s.file() + ": " + key + ": '" + name + "' is not a valid " + prefix.substring(0, prefix.length() - 1)
                        + " name (" + NAME_RULE + ")");
            }
            names.add(name);
        }
        return names;
    }

    /** Turns the keys' text into values; NodeSettings checks them (the same rules as the Java builder's). */
    private static void schedule(Settings s, NodeSettings n, String name) {
        String p = "schedule." + name + ".";
        String cron = s.string(p + "cron", null);
        if (cron == null) throw new ConfigException(s.file() + ": " + p + "cron is missing (a Quartz cron, e.g. '0 0 2 * * ?' for 02:00 every day)");
        String type = s.string(p + "type", null);
        if (type == null) throw new ConfigException(s.file() + ": " + p + "type is missing (the job type each job gets)");
        String payload = s.string(p + "payload", "");
        String queue = s.string(p + "queue", "default");
        int priority = s.integer(p + "priority", 0);
        Integer maxAttempts = s.has(p + "max-attempts") ? s.integer(p + "max-attempts", 0) : null;
        String zone = s.string(p + "time-zone", "UTC");
        ZoneId timeZone;
        try {
            timeZone = ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw s.fail(p + "time-zone", zone, "is not a time zone (a region such as Europe/Berlin, or UTC)");
        }
        String misfire = s.string(p + "misfire", "skip");
        ScheduleDef.Misfire m = switch (misfire) {
            case "skip" -> ScheduleDef.Misfire.SKIP;
            case "once" -> ScheduleDef.Misfire.ONCE;
            default -> throw s.fail(p + "misfire", misfire, "must be skip (drop fire times the cluster was down for) or once (one job for them all)");
        };
        n.schedule(name, cron, type, payload, queue, priority, maxAttempts, timeZone, m);
    }

    private static WatchDef watch(Settings s, String name) {
        String p = "watch." + name + ".";
        String dir = s.string(p + "dir", null);
        if (dir == null) throw new ConfigException(s.file() + ": " + p + "dir is missing (the folder to watch, an absolute path)");
        Path path = Path.of(dir);
        if (!path.isAbsolute()) throw s.fail(p + "dir", dir, "is not an absolute path (every node must reach the same folder by it)");
        String type = type(s, p + "type");
        String queue = queue(s, p + "queue");
        Duration interval = s.duration(p + "interval", WatchDef.DEFAULT_INTERVAL, Duration.ofSeconds(1));
        return new WatchDef(name, path.normalize(), type, queue, interval);
    }

    private static String type(Settings s, String key) {
        String type = s.string(key, null);
        if (type == null) throw new ConfigException(s.file() + ": " + key + " is missing (the job type each job gets)");
        if (!HandlerConfig.validTypeName(type)) throw s.fail(key, type, "is not a job type (" + HandlerConfig.TYPE_NAME_RULE + ")");
        return type;
    }

    private static String queue(Settings s, String key) {
        String queue = s.string(key, "default");
        if (!NodeSettings.QUEUE_NAME.matcher(queue).matches()) throw s.fail(key, queue, "is not a queue name (letters, digits, _ . -, up to 64)");
        return queue;
    }

    private static MailConfig mail(Settings s, HandlerConfig h, Map<String, String> env) {
        String p = "handler." + h.type() + ".";
        URI uri;
        try {
            uri = new URI(h.target());
        } catch (URISyntaxException e) {
            throw s.fail(p + "mail", h.target(), "is not an smtp://HOST:PORT URL");
        }
        if (!"smtp".equals(uri.getScheme()) || uri.getHost() == null) throw s.fail(p + "mail", h.target(), "is not an smtp://HOST:PORT URL");
        if (uri.getRawUserInfo() != null) {
            throw new ConfigException(s.file() + ": " + p + "mail names credentials in the URL; set " + p + "user and "
                    + p + "password-env or " + p + "password-file instead");
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() || uri.getRawQuery() != null) {
            throw s.fail(p + "mail", h.target(), "has a path or query; only smtp://HOST:PORT is read");
        }
        int port = uri.getPort() < 0 ? 25 : uri.getPort();
        String from = s.string(p + "from", null);
        if (from == null) throw new ConfigException(s.file() + ": " + p + "from is missing (the sender address of the mails)");
        try {
            new jakarta.mail.internet.InternetAddress(from, true);
        } catch (jakarta.mail.internet.AddressException e) {
            throw s.fail(p + "from", from, "is not a mail address: " + e.getMessage());
        }
        String user = s.string(p + "user", null);
        String passwordEnv = s.string(p + "password-env", null);
        String passwordFile = s.string(p + "password-file", null);
        if (passwordEnv != null && passwordFile != null) {
            throw new ConfigException(s.file() + ": handler type '" + h.type() + "' has both " + p + "password-env and " + p + "password-file; keep one");
        }
        String password = null;
        String source = null;
        if (passwordEnv != null) {
            password = env.get(passwordEnv);
            if (password == null) throw new ConfigException(s.file() + ": " + p + "password-env names " + passwordEnv + ", which is not set in the node's environment");
            source = "env " + passwordEnv;
        } else if (passwordFile != null) {
            try {
                password = Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ConfigException(s.file() + ": " + p + "password-file=" + passwordFile + " cannot be read: " + e.getMessage());
            }
            source = "file " + passwordFile;
        }
        if (password != null && user == null) throw new ConfigException(s.file() + ": " + p + "user is missing (a password is set for handler type '" + h.type() + "')");
        return new MailConfig(h.type(), uri.getHost(), port, from, user, password, source);
    }
}
