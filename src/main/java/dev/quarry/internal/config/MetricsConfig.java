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
}
