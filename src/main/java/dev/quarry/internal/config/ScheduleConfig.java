package dev.quarry.internal.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the node's scheduler runs besides the drains: recurring jobs ({@code schedule.NAME.*}),
 * watch folders ({@code watch.NAME.*}), and the SMTP settings of the mail handlers
 * ({@code handler.TYPE.mail} and its keys), the last two through quartz-jobs.
 *
 * @param schedules the recurring jobs, sorted by name
 * @param watches   the watch folders, sorted by name
 * @param mail      the mail handlers' settings by job type
 */
public record ScheduleConfig(List<ScheduleDef> schedules, List<WatchDef> watches, Map<String, MailConfig> mail) {

    public static final ScheduleConfig NONE = new ScheduleConfig(List.of(), List.of(), Map.of());

    /** Whether the node has any schedule or watch: each fire takes a Quartz thread for a moment. */
    public boolean firesJobs() {
        return !schedules.isEmpty() || !watches.isEmpty();
    }

    /**
     * A short digest of the schedules and watches: two nodes with the same fingerprint configure
     * the same ones. Recorded per node at start, so {@code quarry schedules} shows a disagreement.
     */
    public String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Stream.concat(schedules.stream().map(ScheduleDef::canonical), watches.stream().map(WatchDef::canonical))
                    .forEach(line -> sha.update((line + "\n").getBytes(StandardCharsets.UTF_8)));
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The effective settings, one per line, for the node's start log. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        schedules.forEach(d -> s.append(d.canonical()).append('\n'));
        watches.forEach(w -> s.append(w.canonical()).append('\n'));
        mail.values().forEach(m -> s.append("mail handler ").append(m.type()).append(": ").append(m).append('\n'));
        return s.toString();
    }
}
