package dev.quarry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void every_character_survives_a_round_trip_and_control_characters_are_escaped() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x2100; c++) all.append(c);
        all.append("\u2028\u2029\"\\/ \uD83D\uDE00");
        String written = Json.write(all.toString());
        for (char c = 0; c < 0x20; c++) assertThat(written).doesNotContain(String.valueOf(c));
        assertThat(written).doesNotContain("\u007f").doesNotContain("\u2028");
        assertThat(JsonReader.parse(written)).isEqualTo(all.toString());
    }

    @Test
    void maps_lists_numbers_booleans_nulls_and_times_nest() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("a\"key", Arrays.asList(1, 2L, null, true, "x"));
        doc.put("nested", Map.of("t", LocalDateTime.of(2030, 1, 2, 3, 4, 5, 6000)));
        doc.put("empty", Map.of());
        String written = Json.write(doc);
        assertThat(written).isEqualTo("{\"a\\\"key\":[1,2,null,true,\"x\"],\"nested\":{\"t\":\"2030-01-02 03:04:05.000006\"},\"empty\":{}}");
        assertThat(JsonReader.parse(written)).isEqualTo(Map.of("a\"key", Arrays.asList(1L, 2L, null, true, "x"),
                "nested", Map.of("t", "2030-01-02 03:04:05.000006"), "empty", Map.of()));
    }
}
