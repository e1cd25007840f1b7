package dev.quarry.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * With {@code --repeat}, one more row per run and backlog: the median of each figure over the
 * repetitions that ended ok. The ratio is the median Quarry rate over the median baseline rate;
 * {@code each_ratio} lists each repetition's own ratio (to the baseline run just before it) and
 * {@code median_rep_ratio} is their median, the paired figure, which a slow baseline repetition
 * cannot lift on its own. On a shared machine a single short run can be off by a factor of two
 * either way.
 */
final class Medians {
    private static final List<String> FIGURES = List.of("jobs_per_s", "p50_delay_ms", "p99_delay_ms", "max_delay_ms",
            "peak_heap_mb", "jvm_cpu_s", "db_cpu_s", "wall_s", "db_s", "insert_rows_per_s");

    private Medians() {
    }

    static List<ResultRow> of(List<ResultRow> reps, int backlog, int threads) {
        Map<String, List<ResultRow>> byRun = new LinkedHashMap<>();
        for (ResultRow r : reps) {
            // One median per run and --drains setting: the settings of one run name are not repetitions of each other.
            if ("ok".equals(r.get("status"))) {
                String drains = r.get("queue_drains");
                byRun.computeIfAbsent(drains == null ? r.run() : r.run() + "\u0000" + drains, k -> new ArrayList<>()).add(r);
            }
        }
        Double baseline = byRun.containsKey("baseline") ? median(byRun.get("baseline"), "jobs_per_s") : null;
        List<ResultRow> out = new ArrayList<>();
        byRun.forEach((key, rows) -> {
            String run = rows.get(0).run();
            ResultRow m = new ResultRow(run + "-median").put("backlog", backlog).put("threads", threads);
            if (rows.get(0).get("drain_log") != null) m.put("drain_log", rows.get(0).get("drain_log"));
            if (rows.get(0).get("set") != null) m.put("set", rows.get(0).get("set"));
            Double rate = median(rows, "jobs_per_s");
            m.put("jobs_per_s", rate);
            if (!run.equals("baseline") && baseline != null && rate != null) m.put("ratio", rate / baseline);
            for (String f : FIGURES) {
                if (f.equals("jobs_per_s")) continue;
                Double v = median(rows, f);
                boolean whole = rows.stream().allMatch(r -> r.get(f) == null || r.get(f).matches("-?\\d+"));
                m.put(f, v != null && whole ? (Object) Math.round(v) : v);
            }
            if (rows.get(0).get("queue_drains") != null) m.put("queue_drains", rows.get(0).get("queue_drains"));
            List<String> each = new ArrayList<>();
            for (ResultRow r : rows) each.add(r.get("jobs_per_s"));
            m.put("reps", rows.size()).put("each_jobs_per_s", String.join("/", each));
            if (rows.stream().allMatch(r -> r.get("ratio") != null)) {
                List<String> ratios = new ArrayList<>();
                for (ResultRow r : rows) ratios.add(r.get("ratio"));
                m.put("each_ratio", String.join("/", ratios)).put("median_rep_ratio", median(rows, "ratio"));
            }
            m.put("status", "ok");
            out.add(m);
        });
        return out;
    }

    static Double median(List<ResultRow> rows, String key) {
        List<Double> v = new ArrayList<>();
        for (ResultRow r : rows) {
            try {
                if (r.get(key) != null) v.add(Double.valueOf(r.get(key)));
            } catch (NumberFormatException e) {
                // n/a
            }
        }
        if (v.isEmpty()) return null;
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }
}
