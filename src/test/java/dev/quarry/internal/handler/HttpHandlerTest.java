package dev.quarry.internal.handler;

import dev.quarry.handler.JobContext;
import dev.quarry.handler.Outcome;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP handler against a real server on the loopback interface. */
class HttpHandlerTest {
    private HttpServer server;
    private final Map<String, String> received = new ConcurrentHashMap<>();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        reply("/ok", 204, null, "");
        reply("/bad", 422, null, "{\"error\":\"no such file\"}");
        reply("/down", 503, null, "maintenance");
        reply("/busy", 429, "120", "slow down");
        server.createContext("/slow", ex -> {
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        // Headers at once, then a byte a second: the request timeout alone would never fire.
        server.createContext("/trickle", ex -> {
            ex.sendResponseHeaders(500, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 60; i++) {
                    out.write('x');
                    out.flush();
                    Thread.sleep(1_000);
                }
            } catch (InterruptedException | IOException e) {
                // the client went away
            }
        });
        server.createContext("/huge", ex -> {
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'y');
            ex.sendResponseHeaders(503, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 160; i++) out.write(chunk); // 10 MiB
            } catch (IOException e) {
                // the client went away
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    private void reply(String path, int status, String retryAfter, String body) {
        server.createContext(path, ex -> {
            received.put("body", new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            received.put("method", ex.getRequestMethod());
            received.put("id", String.valueOf(ex.getRequestHeaders().getFirst("X-Quarry-Job-Id")));
            received.put("key", String.valueOf(ex.getRequestHeaders().getFirst("Idempotency-Key")));
            received.put("attempt", String.valueOf(ex.getRequestHeaders().getFirst("X-Quarry-Job-Attempt")));
            if (retryAfter != null) ex.getResponseHeaders().add("Retry-After", retryAfter);
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
            if (b.length > 0) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(b);
                }
            }
            ex.close();
        });
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private Outcome post(String path, Duration timeout) throws Exception {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
        return new HttpHandler(url, timeout).handle(new JobContext(9, "default", "hook", "{\"a\":1}", 3, 5));
    }

    @Test
    void a_2xx_answer_is_done_and_the_request_carries_payload_and_job_id() throws Exception {
        assertThat(post("/ok", Duration.ofSeconds(5))).isEqualTo(Outcome.done());
        assertThat(received).containsEntry("method", "POST").containsEntry("body", "{\"a\":1}").containsEntry("id", "9")
                .containsEntry("key", "quarry-job-9").containsEntry("attempt", "3");
    }

    @Test
    void a_4xx_answer_is_a_permanent_failure_with_the_body_kept() throws Exception {
        Outcome o = post("/bad", Duration.ofSeconds(5));
        assertThat(o).isInstanceOf(Outcome.PermanentFailure.class);
        assertThat(((Outcome.PermanentFailure) o).error()).endsWith("/bad answered 422: {\"error\":\"no such file\"}");
    }

    @Test
    void a_5xx_answer_is_retried() throws Exception {
        Outcome o = post("/down", Duration.ofSeconds(5));
        assertThat(o).isInstanceOf(Outcome.Failed.class);
        assertThat(((Outcome.Failed) o).error()).endsWith("answered 503: maintenance");
    }

    @Test
    void a_429_with_retry_after_runs_again_later_without_using_an_attempt() throws Exception {
        Outcome o = post("/busy", Duration.ofSeconds(5));
        assertThat(o).isInstanceOf(Outcome.Later.class);
        assertThat(((Outcome.Later) o).delay()).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void a_timeout_or_a_refused_connection_is_retried() throws Exception {
        Outcome slow = post("/slow", Duration.ofMillis(300));
        assertThat(((Outcome.Failed) slow).error()).contains("timed out after 300ms");
        int port = server.getAddress().getPort();
        server.stop(0);
        Outcome refused = new HttpHandler(URI.create("http://127.0.0.1:" + port + "/ok"), Duration.ofSeconds(2))
                .handle(new JobContext(1, "default", "hook", "{}", 1, 5));
        assertThat(((Outcome.Failed) refused).error()).contains("failed: java.net.ConnectException");
    }

    @Test
    void the_timeout_bounds_a_response_body_that_trickles_in() throws Exception {
        long t0 = System.nanoTime();
        Outcome o = post("/trickle", Duration.ofMillis(1500));
        assertThat(((Outcome.Failed) o).error()).contains("timed out after 1500ms");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void a_huge_response_body_keeps_only_its_first_bytes() throws Exception {
        Outcome o = post("/huge", Duration.ofSeconds(20));
        String error = ((Outcome.Failed) o).error();
        assertThat(error).contains("answered 503: yyy");
        assertThat(error.length()).isLessThan(HttpHandler.BODY_KEEP_BYTES + 200);
    }
}
