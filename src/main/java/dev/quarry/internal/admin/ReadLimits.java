package dev.quarry.internal.admin;

/**
 * How far the operator's reads may go, so that they answer in well under a second however many
 * finished jobs retention keeps.
 *
 * @param countCap  finished jobs and recent throughput are counted up to this many per queue and status, then
 *                  shown as at least that many (default 100,000)
 * @param scanLimit {@link JobReads#jobs} reads at most about this many index entries or ids per call when a filter has no
 *                  index (default 100,000)
 */
public record ReadLimits(int countCap, int scanLimit) {
    public static final ReadLimits DEFAULT = new ReadLimits(100_000, 100_000);

    public ReadLimits {
        if (countCap < 1 || scanLimit < 1) throw new IllegalArgumentException("read limits must be positive: " + countCap + ", " + scanLimit);
    }
}
