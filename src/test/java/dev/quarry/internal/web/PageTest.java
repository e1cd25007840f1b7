package dev.quarry.internal.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The dashboard's escaping, JSON indenting and Host check, without a server. */
class PageTest {
    @Test
    void every_character_that_could_open_markup_or_leave_an_attribute_is_escaped() {
        assertThat(Page.esc("<script>alert('x')</script> & \"q\"")).isEqualTo("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
        assertThat(new Page().el("td", "<b>", "title", "\" onmouseover=\"x").toString())
                .isEqualTo("<td title=\"&quot; onmouseover=&quot;x\">&lt;b&gt;</td>");
        assertThat(Page.url("/jobs", "type", "a&b=c d", "status", null)).isEqualTo("/jobs?type=a%26b%3Dc+d");
    }

    @Test
    void only_a_strict_json_document_is_indented() {
        assertThat(PrettyJson.format("{\"a\":[1,2.50],\"b\":\"<x>\"}")).contains("{\n  \"a\": [\n    1,\n    2.50\n  ],\n  \"b\": \"<x>\"\n}");
        assertThat(PrettyJson.format("{a:1}")).as("unquoted names are not JSON").isEmpty();
        assertThat(PrettyJson.format("{\"a\":1} trailing")).isEmpty();
        assertThat(PrettyJson.format("plain text")).isEmpty();
    }

    @Test
    void a_loopback_dashboard_answers_only_to_local_names() {
        assertThat(WebServer.localHost("127.0.0.1:8080")).isTrue();
        assertThat(WebServer.localHost("localhost")).isTrue();
        assertThat(WebServer.localHost("[::1]:8080")).isTrue();
        assertThat(WebServer.localHost("evil.example:8080")).isFalse();
        assertThat(WebServer.localHost("localhost.evil.example")).isFalse();
        assertThat(WebServer.localHost(null)).isFalse();
    }
}
