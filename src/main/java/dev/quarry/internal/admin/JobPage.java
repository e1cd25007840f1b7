package dev.quarry.internal.admin;

import java.util.List;

/**
 * One page of {@code quarry jobs}: the jobs found, newest first, and where to go on.
 *
 * @param jobs           at most the limit asked for
 * @param continueBefore when more jobs may follow, the id to pass as {@code before} for the next page; null when the
 *                       listing reached the oldest matching job
 * @param cutOff         true when the search stopped at {@link ReadLimits#scanLimit()} examined jobs
 *                       before it filled the page: a filter no index serves (a type, or a queue without a
 *                       status) met too few matches; {@code continueBefore} then says where it stopped
 * @param examined       how many index entries the search read, for the operator and the tests
 */
public record JobPage(List<JobSummary> jobs, Long continueBefore, boolean cutOff, long examined) {
}
