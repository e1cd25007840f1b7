package dev.quarry.internal.web;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.util.Optional;

/** A payload shown indented when it is one strict JSON document; the page escapes the result like any text. */
final class PrettyJson {
    /** Larger payloads are shown as they are: indenting megabytes would only slow the page. */
    static final int MAX_CHARS = 256 * 1024;

    private PrettyJson() {
    }

    static Optional<String> format(String text) {
        if (text == null || text.isBlank() || text.length() > MAX_CHARS) return Optional.empty();
        char first = text.strip().charAt(0);
        if (first != '{' && first != '[') return Optional.empty();
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) return Optional.empty();
            // HTML escaping off: the page escapes, and \u003c in a payload would only confuse its reader.
            return Optional.of(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(e));
        } catch (JsonParseException | IOException | IllegalStateException e) {
            return Optional.empty();
        }
    }
}
