package dev.quarry.handler;

/**
 * What a handler is told about the job it runs.
 *
 * @param id          the row id: stable across attempts, use it as the idempotency key
 * @param queue       the queue the job was claimed from
 * @param type        the job's type
 * @param payload     the payload text exactly as the producer inserted it
 * @param attempt     this attempt's number, from 1
 * @param maxAttempts attempts allowed in all
 */
public record JobContext(long id, String queue, String type, String payload, int attempt, int maxAttempts) {
}
