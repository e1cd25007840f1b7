package dev.quarry.internal.node;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Properties;

/**
 * The node's name in the cluster: Quartz's instance id, which also names the holder of a lease and
 * the claimer of a job. Quartz's own AUTO is the host name glued to the start time; Quarry puts
 * the node name from {@code bin/start --name} between them, so logs and {@code bin/quarry status}
 * say which node of a host it is: {@code web1:worker-2:1764441234567}. Still unique per process.
 */
final class NodeIdentity {
    static final String INSTANCE_ID = "org.quartz.scheduler.instanceId";

    private NodeIdentity() {
    }

    /** The Quartz properties with AUTO replaced by host:name:start-millis; an explicit id is kept. */
    static Properties apply(Properties quartz, String nodeName) {
        Properties p = new Properties();
        p.putAll(quartz);
        if ("AUTO".equals(p.getProperty(INSTANCE_ID, "AUTO").trim())) {
            String name = nodeName == null || nodeName.isBlank() ? "node" : nodeName;
            p.put(INSTANCE_ID, host() + ":" + name + ":" + System.currentTimeMillis());
        }
        return p;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
