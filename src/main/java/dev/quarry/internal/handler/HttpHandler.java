package dev.quarry.internal.handler;

import dev.quarry.handler.JobContext;
import dev.quarry.handler.JobHandler;
import dev.quarry.handler.Outcome;

import dev.quarry.internal.Text;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;

/**
 * POSTs the payload to a configured URL ({@code handler.TYPE.http}). 2xx is done; 408 and 429 are
 * retried (429 after its Retry-After when it gives one in seconds); any other 4xx is a permanent
 * failure; 5xx, a timeout or a connection error is retried. The request carries the job id in
 * {@code Idempotency-Key} and {@code X-Quarry-Job-Id}, so the endpoint can drop a repeat.
 *
 * <p>{@code handler.TYPE.timeout} bounds the whole exchange, the response body included (the
 * client's own request timeout stops only at the headers, so a server trickling its body would
 * hold the worker for ever). A 2xx body is the job's result (none when it is empty), its first
 * {@link JobContext#resultMaxBytes()} bytes kept; of any other answer's body the first
 * {@value #BODY_KEEP_BYTES} bytes are read for the error. The rest is dropped as it arrives.
 */
public final class HttpHandler implements JobHandler {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    static final int BODY_KEEP_BYTES = 8192;

    private final URI url;
    private final Duration timeout;

    public HttpHandler(URI url, Duration timeout) {
        this.url = url;
        this.timeout = timeout;
    }

    @Override
    public Outcome handle(JobContext job) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Idempotency-Key", "quarry-job-" + job.id())
                .header("X-Quarry-Job-Id", Long.toString(job.id()))
                .header("X-Quarry-Job-Type", job.type())
                .header("X-Quarry-Job-Queue", job.queue())
                .header("X-Quarry-Job-Attempt", Integer.toString(job.attempt()))
                .POST(HttpRequest.BodyPublishers.ofString(job.payload() == null ? "" : job.payload()))
                .build();
        HttpResponse<String> response;
        java.util.concurrent.CompletableFuture<HttpResponse<String>> exchange = CLIENT.sendAsync(request,
                info -> boundedBody(info.statusCode() / 100 == 2 ? job.resultMaxBytes() : BODY_KEEP_BYTES));
        try {
            response = exchange.get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            exchange.cancel(true);
            return timedOut();
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HttpTimeoutException) return timedOut();
            return Outcome.failed("POST " + url + " failed: " + cause);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) return Outcome.done(response.body().isEmpty() ? null : response.body());
        String error = "POST " + url + " answered " + status + bodyPart(response.body());
        if (status == 429) {
            Optional<Duration> after = response.headers().firstValue("Retry-After").flatMap(HttpHandler::seconds);
            if (after.isPresent()) return Outcome.later(after.get(), error);
        }
        if (status >= 400 && status < 500 && status != 408 && status != 429) return Outcome.permanentFailure(error);
        return Outcome.failed(error);
    }

    private Outcome timedOut() {
        return Outcome.failed("POST " + url + " timed out after " + dev.quarry.internal.config.Durations.format(timeout));
    }

    /** Keeps the first bytes of the body and drops the rest as it arrives, so a huge answer costs no memory. */
    private static HttpResponse.BodySubscriber<String> boundedBody(int keepBytes) {
        java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        // A few bytes past the limit, so a character cut at the limit is dropped whole below.
        int read = keepBytes + 4;
        return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArrayConsumer(chunk -> chunk.ifPresent(b -> {
            int room = read - kept.size();
            if (room > 0) kept.write(b, 0, Math.min(room, b.length));
        })), ignored -> Text.utf8Head(new String(kept.toByteArray(), java.nio.charset.StandardCharsets.UTF_8), keepBytes));
    }

    private static Optional<Duration> seconds(String value) {
        try {
            long s = Long.parseLong(value.trim());
            return s >= 0 && s < 86_400 ? Optional.of(Duration.ofSeconds(s)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String bodyPart(String body) {
        if (body == null || body.isBlank()) return "";
        return ": " + Text.head(body.strip(), 2000);
    }

    @Override
    public String toString() {
        return "http " + url;
    }
}
