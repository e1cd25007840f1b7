package dev.quarry.internal.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's credential and its logged-in sessions. Without a password the dashboard is
 * read-only and has no sessions. The password is compared in constant time (both sides hashed to
 * the same length first, then {@link MessageDigest#isEqual}); it is kept only as its hash and
 * never logged. Each session has its own CSRF token, which every POST must carry.
 */
final class Sessions {
    static final String COOKIE = "quarry_session";
    /** A session unused this long is forgotten. */
    static final Duration IDLE_LIMIT = Duration.ofHours(12);
    /** More sessions than this, and the oldest go: a flood of logins cannot grow the map without end. */
    static final int MAX_SESSIONS = 1000;

    private final byte[] passwordHash;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    /** One logged-in browser. */
    record Session(String id, String csrf, long createdNanos, long[] lastUsedNanos) {
    }

    /** @param password null or empty: read-only, nobody logs in */
    Sessions(String password) {
        this.passwordHash = password == null || password.isEmpty() ? null : sha256(password);
    }

    boolean readOnly() {
        return passwordHash == null;
    }

    /** A new session when {@code password} is right; empty otherwise. */
    Optional<Session> login(String password) {
        if (passwordHash == null || password == null) return Optional.empty();
        if (!MessageDigest.isEqual(passwordHash, sha256(password))) return Optional.empty();
        if (sessions.size() >= MAX_SESSIONS) evictOldest();
        long now = System.nanoTime();
        Session s = new Session(token(), token(), now, new long[] {now});
        sessions.put(s.id(), s);
        return Optional.of(s);
    }

    void logout(String id) {
        if (id != null) sessions.remove(id);
    }

    /** The live session with this cookie value. */
    Optional<Session> find(String id) {
        if (id == null || passwordHash == null) return Optional.empty();
        Session s = sessions.get(id);
        if (s == null) return Optional.empty();
        long now = System.nanoTime();
        synchronized (s) {
            if (now - s.lastUsedNanos()[0] > IDLE_LIMIT.toNanos()) {
                sessions.remove(id);
                return Optional.empty();
            }
            s.lastUsedNanos()[0] = now;
        }
        return Optional.of(s);
    }

    /** Whether {@code token} is the session's CSRF token, compared in constant time. */
    static boolean csrfMatches(Session s, String token) {
        return token != null && MessageDigest.isEqual(s.csrf().getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    private void evictOldest() {
        Session oldest = null;
        for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
            Session s = it.next();
            if (oldest == null || s.lastUsedNanos()[0] - oldest.lastUsedNanos()[0] < 0) oldest = s;
        }
        if (oldest != null) sessions.remove(oldest.id());
    }

    private String token() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
