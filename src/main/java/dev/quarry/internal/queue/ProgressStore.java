package dev.quarry.internal.queue;

import java.sql.PreparedStatement;

/**
 * Writes a running job's progress into its row, fenced by the claim token like every transition:
 * a report from a run whose claim was taken over (a peer rescued or reran the job) matches no
 * row and changes nothing. The completion keeps the token, so the last report of a run that has
 * just finished still lands.
 */
public final class ProgressStore {
    /** Parameters: progress, note, id, claim token. */
    static final String PROGRESS_SQL = "UPDATE quarry_jobs SET progress = ?, progress_note = ? WHERE id = ? AND claim_token = ?";

    private final Transactions tx;

    public ProgressStore(Transactions tx) {
        this.tx = tx;
    }

    /**
     * @return false when the row no longer carries this claim (the write was fenced off)
     * @throws dev.quarry.QuarryException on a database error
     */
    public boolean write(long id, long claimToken, int percent, String note) {
        return tx.autoCommit("record the progress of job " + id, c -> {
            try (PreparedStatement upd = c.prepareStatement(PROGRESS_SQL)) {
                upd.setInt(1, percent);
                upd.setString(2, note);
                upd.setLong(3, id);
                upd.setLong(4, claimToken);
                return upd.executeUpdate() == 1;
            }
        });
    }
}
