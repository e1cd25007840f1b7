package dev.quarry.handler;

import dev.quarry.Text;
import java.io.IOException;
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
 */
public final class HttpHandler implements JobHandler {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    private final URI url;
    private final Duration timeout;

    public HttpHandler(URI url, Duration timeout) {
        this.url = url;
        this.timeout = timeout;
    }

    @Override
    public Outcome handle(JobContext job) throws IOException, InterruptedException {
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
        try {
            response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            return Outcome.failed("POST " + url + " timed out after " + dev.quarry.config.Durations.format(timeout));
        } catch (IOException e) {
            return Outcome.failed("POST " + url + " failed: " + e);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) return Outcome.done();
        String error = "POST " + url + " answered " + status + bodyPart(response.body());
        if (status == 429) {
            Optional<Duration> after = response.headers().firstValue("Retry-After").flatMap(HttpHandler::seconds);
            if (after.isPresent()) return Outcome.later(after.get(), error);
        }
        if (status >= 400 && status < 500 && status != 408 && status != 429) return Outcome.permanentFailure(error);
        return Outcome.failed(error);
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
