package dev.quarry.internal.drain;

/**
 * A monotonic clock in nanoseconds: {@link System#nanoTime()} on a node, a hand-moved one in tests,
 * so the drain's timing rules (when the start gate closes, when to renew) are tested without
 * sleeping. It keeps counting while a process is stopped (SIGSTOP) or paused by the garbage
 * collector, which is exactly what the start gate needs: a stall uses up the lease.
 */
@FunctionalInterface
public interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    long nanos();
}
