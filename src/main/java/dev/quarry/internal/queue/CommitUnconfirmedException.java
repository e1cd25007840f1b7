package dev.quarry.internal.queue;

import dev.quarry.QuarryException;
import java.sql.SQLException;

/**
 * A transaction's COMMIT failed on the client's side (the connection broke while it waited for the
 * reply): the server may have committed it or not, and nothing here can tell. A caller whose work
 * is not safe to repeat (a claim: its jobs would stay running under a token nobody runs) must find
 * out from the rows themselves; see {@link JobQueue#returnUnconfirmed}.
 */
public final class CommitUnconfirmedException extends QuarryException {
    CommitUnconfirmedException(String what, SQLException cause) {
        super(what + " failed: its commit was sent but not confirmed, so it may have taken effect: " + Transactions.describe(cause), cause);
    }
}
