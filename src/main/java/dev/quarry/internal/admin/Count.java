package dev.quarry.internal.admin;

/**
 * A number of jobs as the operator's reads give it: exact, or a lower bound when counting stopped
 * at {@link ReadLimits#countCap()} rows so that a table holding millions of finished
 * jobs answers as fast as an empty one.
 *
 * @param value  the count, or the cap when {@code capped}
 * @param capped true when there are more than {@code value} such jobs
 */
public record Count(long value, boolean capped) {
    public static final Count ZERO = new Count(0, false);

    public static Count exact(long value) {
        return new Count(value, false);
    }

    /** A count of at most {@code cap + 1} rows, read to learn whether there are more than {@code cap}. */
    static Count upTo(long counted, int cap) {
        return counted > cap ? new Count(cap, true) : new Count(counted, false);
    }
}
