package dev.quarry.internal.cli;

import dev.quarry.internal.queue.JobState;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads a job status as the database writes it: scheduled, ready, running, done, dead, cancelled. */
final class JobStates implements ITypeConverter<JobState> {
    static final String ALL = Arrays.stream(JobState.values()).map(JobState::sql).collect(Collectors.joining(", "));

    @Override
    public JobState convert(String value) {
        for (JobState s : JobState.values()) {
            if (s.sql().equals(value.strip().toLowerCase(Locale.ROOT))) return s;
        }
        throw new TypeConversionException("'" + value + "' is not a job status; use one of " + ALL);
    }
}
