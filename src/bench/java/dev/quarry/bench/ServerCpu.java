package dev.quarry.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The CPU time of the MariaDB server process, when it runs on this machine: from its pid file
 * ({@code @@pid_file}) and {@code /proc/PID/stat} (user and system time, in clock ticks of 10 ms).
 * A run's share of the server's work, next to the node's {@code jvm_cpu_s}: on a machine with few
 * cores the two compete for the same CPUs.
 */
final class ServerCpu {
    private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux
    private static volatile long pid = -1;

    private ServerCpu() {
    }

    /** Finds the server's process, if it is local and this machine has /proc; otherwise figures stay unknown. */
    static void find(Connection c) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@pid_file")) {
            if (!rs.next() || rs.getString(1) == null) return;
            Path file = Path.of(rs.getString(1));
            if (!Files.isReadable(file)) return;
            long p = Long.parseLong(Files.readString(file).strip());
            if (Files.isReadable(Path.of("/proc", Long.toString(p), "stat"))) pid = p;
        } catch (SQLException | IOException | RuntimeException e) {
            pid = -1;
        }
    }

    /** The server's CPU time so far, or -1 when unknown. */
    static long nanos() {
        long p = pid;
        if (p < 0) return -1;
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p), "stat"));
            // Fields after the command name, which is in parentheses and may hold spaces: utime is the 12th, stime the 13th.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
