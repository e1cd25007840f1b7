package dev.quarry.internal.handler;

import dev.quarry.handler.JobHandler;

import dev.quarry.internal.Text;
import dev.quarry.internal.config.ConfigException;
import dev.quarry.internal.config.ConfigLoader;
import dev.quarry.internal.config.HandlerConfig;
import dev.quarry.internal.config.MailConfig;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The handlers of a node by job type, built once at start. Everything that can be checked before
 * the first job is checked here (the class loads and implements {@link JobHandler}, the command
 * exists and is executable), so a typo stops the node at start rather than burying jobs.
 */
public final class HandlerRegistry {
    private final Map<String, JobHandler> byType;
    private final Map<String, Duration> timeouts;

    private HandlerRegistry(Map<String, JobHandler> byType, Map<String, Duration> timeouts) {
        this.byType = Map.copyOf(byType);
        this.timeouts = Map.copyOf(timeouts);
    }

    public static HandlerRegistry build(Collection<HandlerConfig> configs) {
        return build(configs, Map.of());
    }

    /** With the SMTP settings of the mail handlers ({@code handler.T.mail}), by job type. */
    public static HandlerRegistry build(Collection<HandlerConfig> configs, Map<String, MailConfig> mail) {
        return build(configs, mail, Map.of());
    }

    /** With the handler objects the Java builder was given, by job type (their configs are of kind OBJECT). */
    public static HandlerRegistry build(Collection<HandlerConfig> configs, Map<String, MailConfig> mail, Map<String, JobHandler> objects) {
        Map<String, JobHandler> handlers = new LinkedHashMap<>();
        Map<String, Duration> timeouts = new LinkedHashMap<>();
        handlers.put(NoopHandler.TYPE, new NoopHandler());
        for (HandlerConfig h : configs) {
            handlers.put(h.type(), switch (h.kind()) {
                case MAIL -> mail(h, mail.get(h.type()));
                case OBJECT -> java.util.Objects.requireNonNull(objects.get(h.type()), h.type());
                default -> create(h);
            });
            timeouts.put(h.type(), h.timeout());
        }
        return new HandlerRegistry(handlers, timeouts);
    }

    /** For tests: a registry of the given handlers plus {@code noop}, each with the default timeout. */
    public static HandlerRegistry of(Map<String, JobHandler> handlers) {
        return of(handlers, Map.of());
    }

    /** For tests: a registry of the given handlers plus {@code noop}, with the given timeouts by type. */
    public static HandlerRegistry of(Map<String, JobHandler> handlers, Map<String, Duration> timeouts) {
        Map<String, JobHandler> all = new LinkedHashMap<>(handlers);
        all.putIfAbsent(NoopHandler.TYPE, new NoopHandler());
        return new HandlerRegistry(all, timeouts);
    }

    /**
     * The longest one run of {@code type} may take ({@code handler.T.timeout}, default 5m), whatever
     * the handler's kind: the drain interrupts a run past it and counts a failure.
     */
    public Duration timeout(String type) {
        return timeouts.getOrDefault(type, HandlerConfig.DEFAULT_TIMEOUT);
    }

    public Optional<JobHandler> forType(String type) {
        return Optional.ofNullable(byType.get(type));
    }

    public java.util.Set<String> types() {
        return byType.keySet();
    }

    /**
     * The {@code last_error} of a job whose type has no handler on this node. For a type a
     * {@code handler.TYPE.*} key can name, it says which keys to configure; for one it cannot (a
     * space, a slash, more than 128 characters) it says so, rather than suggest a key the config
     * loader refuses. The type is the producer's text: it is escaped onto one line.
     */
    public static String noHandlerMessage(String type, Collection<String> knownTypes) {
        String shown = Text.oneLine(type, 200);
        String known = " (known types: " + String.join(", ", knownTypes.stream().sorted().toList()) + ")";
        if (!HandlerConfig.validTypeName(type)) {
            return "no handler for type '" + shown + "': it is not a valid handler type name (" + HandlerConfig.TYPE_NAME_RULE
                    + "), so no handler can be configured for it; enqueue the job under a type that can be" + known;
        }
        return "no handler for type '" + shown + "': configure " + HandlerConfig.key(type, HandlerConfig.Kind.SHELL)
                + ", .http or .class in " + ConfigLoader.QUARRY_FILE + known;
    }

    private static JobHandler create(HandlerConfig h) {
        String key = "handler." + h.type() + "." + h.kind().key();
        String where = ConfigLoader.QUARRY_FILE + ": " + key;
        return switch (h.kind()) {
            case SHELL -> {
                List<String> argv;
                try {
                    argv = CommandLine.split(h.target());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(where + ": " + e.getMessage());
                }
                requireExecutable(argv.get(0), where);
                yield new ShellHandler(argv, h.timeout());
            }
            case HTTP -> new HttpHandler(URI.create(h.target()), h.timeout());
            case CLASS -> instantiate(h.target(), where);
            case MAIL -> throw new ConfigException(where + ": a mail handler needs its SMTP settings");
            case OBJECT -> throw new IllegalStateException("handler " + h.type() + " was configured without its object");
        };
    }

    private static JobHandler mail(HandlerConfig h, MailConfig settings) {
        if (settings == null) throw new ConfigException(ConfigLoader.QUARRY_FILE + ": handler." + h.type() + ".mail: no SMTP settings were read");
        return new MailHandler(settings, h.timeout());
    }

    private static void requireExecutable(String program, String where) {
        if (program.contains("/")) {
            Path p = Path.of(program);
            if (!Files.isRegularFile(p)) throw new ConfigException(where + ": command " + program + " does not exist");
            if (!Files.isExecutable(p)) throw new ConfigException(where + ": command " + program + " is not executable");
            return;
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program)) && Files.isRegularFile(Path.of(dir, program))) return;
        }
        throw new ConfigException(where + ": command '" + program + "' is not on the PATH of the node (" + path + ")");
    }

    private static JobHandler instantiate(String className, String where) {
        Class<?> cls;
        try {
            cls = Class.forName(className);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigException(where + ": class " + className + " is not on the class path (put its jar in lib/)");
        }
        if (!JobHandler.class.isAssignableFrom(cls)) {
            throw new ConfigException(where + ": class " + className + " does not implement " + JobHandler.class.getName());
        }
        try {
            return (JobHandler) cls.getConstructor().newInstance();
        } catch (NoSuchMethodException e) {
            throw new ConfigException(where + ": class " + className + " has no public no-argument constructor");
        } catch (InvocationTargetException e) {
            throw new ConfigException(where + ": constructing " + className + " failed: " + e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new ConfigException(where + ": class " + className + " cannot be constructed: " + e);
        }
    }
}
