package dev.quarry.internal.web;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a page or action answers. */
record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
    static Response html(int status, String html) {
        return new Response(status, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8), new LinkedHashMap<>());
    }

    static Response redirect(String location) {
        Response r = new Response(303, "text/plain; charset=utf-8", new byte[0], new LinkedHashMap<>());
        r.headers.put("Location", location);
        return r;
    }

    Response with(String header, String value) {
        headers.put(header, value);
        return this;
    }
}
