package dev.quarry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The median rows of --repeat: one per run and --drains setting, each with its ratio to the baseline's median. */
class MediansTest {
    private static ResultRow row(String run, Integer drains, double rate) {
        ResultRow r = new ResultRow(run).put("jobs_per_s", rate).put("status", "ok");
        if (drains != null) r.put("queue_drains", drains);
        return r;
    }

    @Test
    void the_median_row_also_gives_each_repetitions_own_ratio_and_their_median() {
        List<ResultRow> reps = List.of(row("baseline", null, 100), row("quarry", null, 90).put("ratio", 0.9),
                row("baseline", null, 50), row("quarry", null, 110).put("ratio", 2.2),
                row("baseline", null, 100), row("quarry", null, 95).put("ratio", 0.95));
        String line = Medians.of(reps, 1000, 8).get(1).line();
        // The ratio of the medians (95 / 100) and the median of the paired ratios (0.95) differ
        // from the outlier's 2.2, which only the slow baseline repetition made.
        assertThat(line).startsWith("quarry-median").contains("ratio=0.950", "each_ratio=0.900/2.200/0.950", "median_rep_ratio=0.950");
    }

    @Test
    void each_drains_setting_gets_its_own_median() {
        List<ResultRow> reps = List.of(row("baseline", null, 100), row("quarry", 1, 10), row("quarry", 2, 80),
                row("baseline", null, 200), row("quarry", 1, 30), row("quarry", 2, 120), row("quarry", 2, 100));
        List<ResultRow> medians = Medians.of(reps, 1000, 8);
        assertThat(medians).extracting(ResultRow::line).hasSize(3);
        assertThat(medians.get(0).line()).startsWith("baseline-median").contains("jobs/s=150");
        assertThat(medians.get(1).line()).startsWith("quarry-median").contains("jobs/s=20", "queue_drains=1", "reps=2", "each_jobs_per_s=10.0/30.0");
        assertThat(medians.get(2).line()).startsWith("quarry-median").contains("jobs/s=100", "ratio=0.667", "queue_drains=2", "reps=3");
    }
}
