package dev.quarry.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerUtils;
import org.quartz.spi.OperableTrigger;

/**
 * A daily schedule in a zone with daylight saving, computed by Quartz's own cron arithmetic (the
 * trigger a schedule becomes): the local wall-clock time stays put across both changes, so the
 * gap between two fires is 23 or 25 hours on the change days.
 */
class CronDaylightSavingTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static List<ZonedDateTime> fires(String cron, String fromLocal, int count) {
        CronTrigger trigger = TriggerBuilder.newTrigger().withIdentity("t")
                .withSchedule(CronScheduleBuilder.cronSchedule(cron).inTimeZone(TimeZone.getTimeZone(BERLIN)))
                .startAt(Date.from(ZonedDateTime.parse(fromLocal + "[Europe/Berlin]").toInstant())).build();
        List<Date> dates = TriggerUtils.computeFireTimes((OperableTrigger) trigger, null, count);
        List<ZonedDateTime> out = new ArrayList<>();
        for (Date d : dates) out.add(d.toInstant().atZone(BERLIN));
        return out;
    }

    @Test
    void a_daily_fire_keeps_its_local_time_across_the_spring_and_autumn_changes() {
        // 2026: clocks go forward on 29 March (02:00 -> 03:00), back on 25 October (03:00 -> 02:00).
        List<ZonedDateTime> spring = fires("0 0 9 * * ?", "2026-03-27T00:00:00+01:00", 4);
        assertThat(spring).extracting(z -> z.toLocalDateTime().toString())
                .containsExactly("2026-03-27T09:00", "2026-03-28T09:00", "2026-03-29T09:00", "2026-03-30T09:00");
        assertThat(spring).extracting(z -> z.toInstant().toString())
                .containsExactly("2026-03-27T08:00:00Z", "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z");
        List<ZonedDateTime> autumn = fires("0 0 9 * * ?", "2026-10-24T00:00:00+02:00", 3);
        assertThat(autumn).extracting(z -> z.toInstant().toString())
                .containsExactly("2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z");
        assertThat(java.time.Duration.between(autumn.get(0).toInstant(), autumn.get(1).toInstant()).toHours()).isEqualTo(25);
    }

    /**
     * Quartz's rule, which the README states: a fire time inside the hour the spring change skips
     * does not happen that day (02:30 does not exist on 29 March), and one inside the hour the
     * autumn change repeats happens once, at its second occurrence (winter time).
     */
    @Test
    void a_fire_inside_the_skipped_hour_is_dropped_that_day_and_one_inside_the_repeated_hour_happens_once() {
        List<ZonedDateTime> spring = fires("0 30 2 * * ?", "2026-03-28T00:00:00+01:00", 3);
        assertThat(spring).extracting(z -> z.toInstant().toString())
                .containsExactly("2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z");
        List<ZonedDateTime> autumn = fires("0 30 2 * * ?", "2026-10-24T00:00:00+02:00", 3);
        assertThat(autumn).extracting(z -> z.toInstant().toString())
                .containsExactly("2026-10-24T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z");
    }

    @Test
    void the_payload_names_the_fire_time_in_utc_and_in_the_schedules_zone() {
        Instant at = Instant.parse("2026-03-29T07:00:00Z");
        assertThat(FireEnqueuer.render("{\"at\":\"${fireTime}\",\"local\":\"${fireTimeLocal}\",\"day\":\"${date}\",\"s\":\"${schedule}\"}", "report", at, BERLIN))
                .isEqualTo("{\"at\":\"2026-03-29T07:00:00Z\",\"local\":\"2026-03-29T09:00:00+02:00\",\"day\":\"2026-03-29\",\"s\":\"report\"}");
        assertThat(FireEnqueuer.render("plain", "report", at, BERLIN)).isEqualTo("plain");
    }
}
