package dev.quarry.internal.queue;

/**
 * How a drain of a queue is named. Drain 1 carries the queue's own name, as the only drain of a
 * queue did before queues had several, so its Quartz job and its log lines stay as they were;
 * drain N is {@code queue#N} ({@code #} is not allowed in a queue name, so the two never clash).
 */
public final class Drains {
    /** Most drains a queue may have. */
    public static final int MAX = 64;

    private Drains() {
    }

    public static String name(String queue, int drain) {
        return drain == 1 ? queue : queue + "#" + drain;
    }

    /** The queue of a drain's name. */
    public static String queue(String name) {
        int hash = name.lastIndexOf('#');
        return hash < 0 ? name : name.substring(0, hash);
    }

    /** The drain number of a drain's name; 1 for a bare queue name. */
    public static int number(String name) {
        int hash = name.lastIndexOf('#');
        if (hash < 0) return 1;
        try {
            return Integer.parseInt(name.substring(hash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a drain name: " + name);
        }
    }
}
