package dev.watchpost.ringbuffer;

/**
 * Every counter the daemon keeps, with a stable name and help text. The names are an interface:
 * {@code /v1/status}, {@code /metrics} and the CLI show them as they are, so never rename one.
 * The help says which part of the daemon counts it.
 */
public enum Counter {
    TCP_CONNECTIONS_OPENED("tcp_connections_opened", "TCP detector connections accepted (I/O thread)"),
    TCP_CONNECTIONS_CLOSED("tcp_connections_closed", "TCP detector connections closed for any reason (I/O thread)"),
    TCP_CONNECTIONS_REFUSED("tcp_connections_refused", "TCP connections refused over the connection limit (I/O thread)"),
    TCP_PROTOCOL_ERRORS("tcp_protocol_errors", "TCP connections closed for a bad header, seq gap, bad HELLO or authentication (I/O thread)"),
    TCP_IDLE_TIMEOUTS("tcp_idle_timeouts", "TCP connections closed after the idle timeout (I/O thread)"),
    TCP_FRAMES_RECEIVED("tcp_frames_received", "frames read from TCP, of any type (I/O thread)"),
    TCP_BACKPRESSURE_PAUSES("tcp_backpressure_pauses", "times a TCP connection stopped reading because the ring was full (I/O thread)"),
    TCP_ANSWERS_DIRECT("tcp_answers_direct", "batches of ACKs/NACKs the ack thread wrote to a detector's socket itself, the I/O thread waiting for input (ack thread)"),
    TCP_ANSWERS_QUEUED("tcp_answers_queued", "batches of ACKs/NACKs handed to the TCP I/O thread to write, in part or whole (ack thread)"),
    UDP_FRAMES_RECEIVED("udp_frames_received", "UDP datagrams received (UDP thread)"),
    UDP_FRAMES_DROPPED("udp_frames_dropped", "UDP datagrams dropped: bad header or ring full (UDP thread)"),
    HTTP_REQUESTS("http_requests", "HTTP requests received (HTTP thread)"),
    HTTP_EVENTS_RECEIVED("http_events_received", "events received in POST /v1/events bodies (HTTP thread)"),
    HTTP_BAD_REQUESTS("http_bad_requests", "HTTP requests answered 4xx (HTTP thread)"),
    EVENTS_VALID("events_valid", "events that passed validation (validate stage)"),
    EVENTS_REJECTED("events_rejected", "events rejected with a NACK code, any source (validate stage)"),
    EVENTS_STORED("events_stored", "events appended to the journal (journal stage)"),
    EVENTS_DUPLICATE("events_duplicate", "events recognised as retries of a stored receipt_id (dedup stage)"),
    DEDUP_PURGED("dedup_purged", "expired receipt_ids purged from the dedup store (dedup stage)"),
    DEDUP_STORE_FULL("dedup_store_full", "events stored without a dedup entry because the store was full (dedup stage)"),
    EVENTS_WINDOW_REPEATS("events_window_repeats", "events stored marked as repeats of an earlier event within their content window (window stage)"),
    EVENTS_LATE("events_late", "events whose event time was below the watermark when they arrived; stored all the same (window stage)"),
    WINDOW_KEYS_EVICTED("window_keys_evicted", "open content-window keys evicted before their window closed because the table was full (window stage)"),
    TRACKS_STARTED("tracks_started", "tracks opened: track.started made (fuse stage)"),
    TRACKS_ENDED("tracks_ended", "tracks closed for any reason: track.ended made (fuse stage)"),
    TRACKS_EVICTED("tracks_evicted", "tracks ended early because max_open_tracks was reached (fuse stage)"),
    DERIVED_OVERFLOW("derived_overflow", "derived events dropped because the pending queue was full (fuse stage)"),
    ENRICH_FAILED("enrich_failed", "enricher calls that threw or wrote too much; the event is stored marked failed (enrich stage)"),
    ENRICH_OVERRUN("enrich_overrun", "enricher calls that took longer than their time budget; the event is stored marked overrun (enrich stage)"),
    ENRICH_SKIPPED("enrich_skipped", "enricher calls skipped while its circuit breaker was open (enrich stage)"),
    ENRICH_SUSPENDED("enrich_suspended", "times an enricher was suspended after consecutive failures or overruns (enrich stage)"),
    ACTIONS_DETECTED("actions_detected", "composite rule matches made: action.detected or the rule's own type (correlate stage)"),
    SEQUENCES_MATCHED("sequences_matched", "sequence rule matches made: sequence.matched or the rule's own type (correlate stage)"),
    INCIDENTS_CORRELATED("incidents_correlated", "incidents of two cameras or more closed: incident.correlated made (correlate stage)"),
    CORRELATE_EVICTED("correlate_evicted", "pending parts, sequence instances and open incidents dropped early because their rule's cap was reached (correlate stage)"),
    CORRELATE_OVERFLOW("correlate_overflow", "derived events dropped because the correlate stage's pending queue was full (correlate stage)"),
    EVENTS_DERIVED("events_derived", "derived events appended to the journal; also counted in events_stored (journal stage)"),
    DEADLETTERS_STORED("deadletters_stored", "rejected frames kept in the dead-letter store (journal stage)"),
    JOURNAL_FSYNCS("journal_fsyncs", "fsync calls on the journal (journal stage)"),
    JOURNAL_BYTES("journal_bytes", "bytes appended to the journal (journal stage)"),
    ACKS_SENT("acks_sent", "ACK frames sent to detectors (ack stage)"),
    NACKS_SENT("nacks_sent", "NACK frames sent to detectors (ack stage)"),
    STREAM_CLIENTS_OPENED("stream_clients_opened", "WebSocket stream clients accepted (HTTP thread)"),
    STREAM_CLIENTS_CLOSED("stream_clients_closed", "WebSocket stream clients closed (HTTP thread)"),
    STREAM_CLIENTS_CUT_OFF("stream_clients_cut_off", "stream clients disconnected because their outbox overflowed (publish stage)"),
    STREAM_MESSAGES_SENT("stream_messages_sent", "events written to stream clients (HTTP thread, or publish stage)"),
    STREAM_DRAINS_DIRECT("stream_drains_direct", "stream clients' outboxes the publish stage wrote to their sockets itself, the HTTP thread waiting for input (publish stage)"),
    STREAM_DRAINS_QUEUED("stream_drains_queued", "stream clients' outboxes handed to the HTTP thread to write, in part or whole (publish stage)"),
    HANDLER_ERRORS("handler_errors", "exceptions caught in a pipeline stage (any stage)"),
    ALERTS_RAISED("alerts_raised", "alert.raised made by an alert rule (alert stage)"),
    ALERTS_THROTTLED("alerts_throttled", "alert rule matches suppressed by their rule's throttle (alert stage)"),
    ALERTS_OVERFLOW("alerts_overflow", "alerts dropped because the alert stage's pending queue was full (alert stage)"),
    ALERTS_DELIVERED("alerts_delivered", "alerts delivered to a webhook or MQTT channel, all channels (delivery threads)"),
    ALERTS_DELIVERY_FAILED("alerts_delivery_failed", "failed alert delivery attempts, retried later, all channels (delivery threads)"),
    ALERTS_GIVEN_UP("alerts_given_up", "alerts a channel refused for good (a 4xx other than 429), recorded in <channel>.rejected (delivery threads)");

    private final String metricName;
    private final String help;

    Counter(String metricName, String help) {
        this.metricName = metricName;
        this.help = help;
    }

    public String metricName() {
        return metricName;
    }

    public String help() {
        return help;
    }
}
