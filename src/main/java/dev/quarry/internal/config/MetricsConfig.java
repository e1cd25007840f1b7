package dev.quarry.internal.config;

/**
 * Where a node serves its Prometheus metrics ({@code metrics.port}, {@code metrics.bind}).
 *
 * @param port the TCP port of {@code /metrics}; 0 (the default, key absent) serves none
 * @param bind the address it listens on (default {@code 0.0.0.0}: Prometheus usually scrapes from another host)
 */
public record MetricsConfig(int port, String bind) {
    public static final String DEFAULT_BIND = "0.0.0.0";
    public static final MetricsConfig OFF = new MetricsConfig(0, DEFAULT_BIND);

    public boolean enabled() {
        return port > 0;
    }

    static MetricsConfig read(Settings s) {
        int port = s.integer("metrics.port", 0, 1, 65535);
        String bind = s.string("metrics.bind", DEFAULT_BIND);
        if (!bind.matches("[0-9A-Za-z.:_-]{1,253}")) throw s.fail("metrics.bind", bind, "is not a host name or IP address");
        if (port == 0 && s.has("metrics.bind")) throw s.fail("metrics.bind", bind, "needs metrics.port");
        return new MetricsConfig(port, bind);
    }
}
