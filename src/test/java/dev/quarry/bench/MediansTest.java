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
