package dev.quarry.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A test host of its own: a network namespace joined to this machine by a veth pair
 * (10.231.N.2 inside, 10.231.N.1 on the machine's side), so a node can be cut off from the
 * database while the others still reach it. Needs root and iproute2; removed on close.
 */
public final class TestHost implements AutoCloseable {
    private final String name;
    private final int n;

    private TestHost(String name, int n) {
        this.name = name;
        this.n = n;
    }

    /** Whether this machine lets the tests make network namespaces. */
    public static boolean available() {
        try {
            return "root".equals(System.getProperty("user.name")) && run(false, "ip", "netns", "list") == 0;
        } catch (IOException e) {
            return false;
        }
    }

    public static TestHost create() throws IOException {
        int n = ThreadLocalRandom.current().nextInt(1, 250);
        TestHost h = new TestHost("quarry-test-" + n + "-" + ProcessHandle.current().pid(), n);
        try {
            h.ip("netns", "add", h.name);
            h.ip("link", "add", h.outside(), "type", "veth", "peer", "name", h.inside());
            h.ip("link", "set", h.inside(), "netns", h.name);
            h.ip("addr", "add", "10.231." + n + ".1/30", "dev", h.outside());
            h.ip("link", "set", h.outside(), "up");
            h.inNamespace("ip", "addr", "add", "10.231." + n + ".2/30", "dev", h.inside());
            h.inNamespace("ip", "link", "set", h.inside(), "up");
            h.inNamespace("ip", "link", "set", "lo", "up");
        } catch (IOException | RuntimeException e) {
            h.close();
            throw e;
        }
        return h;
    }

    /** This machine's address as the host sees it: where a relay to the database should listen. */
    public InetAddress gateway() throws IOException {
        return InetAddress.getByName("10.231." + n + ".1");
    }

    /** The command prefix that runs a program on this host. */
    public List<String> prefix() {
        return List.of("ip", "netns", "exec", name);
    }

    /** Takes the host's link down: its packets go nowhere until {@link #heal()}. */
    public void cut() throws IOException {
        inNamespace("ip", "link", "set", inside(), "down");
    }

    public void heal() throws IOException {
        inNamespace("ip", "link", "set", inside(), "up");
    }

    private String outside() {
        return "vqh" + n;
    }

    private String inside() {
        return "vqn" + n;
    }

    private void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        if (run(true, cmd.toArray(String[]::new)) != 0) throw new IOException(String.join(" ", cmd) + " failed");
    }

    private void inNamespace(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(prefix());
        cmd.addAll(List.of(args));
        if (run(true, cmd.toArray(String[]::new)) != 0) throw new IOException(String.join(" ", cmd) + " failed");
    }

    private static int run(boolean loud, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            if (p.exitValue() != 0 && loud) System.err.println(String.join(" ", cmd) + ": " + out.strip());
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        try {
            run(false, "ip", "netns", "del", name); // takes the veth pair with it
            run(false, "ip", "link", "del", outside());
        } catch (IOException e) {
            // nothing more to do
        }
    }
}
