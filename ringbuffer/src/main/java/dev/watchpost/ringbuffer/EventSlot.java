package dev.watchpost.ringbuffer;

import dev.watchpost.ringbuffer.codec.EventFrame;
import dev.watchpost.ringbuffer.codec.NackCode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One pre-allocated entry of the ring. The producer (an I/O thread) copies a frame's bytes in and
 * sets where it came from; each stage then reads the frame through {@link #frame()} and records its
 * verdict in the slot for the stages after it. Nothing here is shared between two events: a slot is
 * reused for the next event once every stage has passed it.
 *
 * <p>The frame buffer starts small and grows, once, to the largest frame this slot has carried
 * (at most {@link dev.watchpost.ringbuffer.codec.Protocol#MAX_FRAME_LENGTH}), so a steady stream of
 * frames of similar size allocates nothing while the ring's memory stays proportional to real frames.
 */
public final class EventSlot {
    /** A detector's or HTTP client's EVENT frame. */
    public static final int KIND_EVENT = 0;
    /**
     * A request to close the origin after everything before it in the ring is handled; carries the
     * optional {@link #nack()} (with {@link #nackSeq()}) to send before closing.
     */
    public static final int KIND_CLOSE = 1;
    /**
     * The wall clock's tick: carries the time it was published as {@link #receivedAtUs()}, so that
     * stages that wait on event time (the watermark) move on while no event arrives. It may carry
     * derived events (a track that went idle); other than that, every other stage passes it by.
     */
    public static final int KIND_TICK = 2;

    /**
     * The daemon is stopping: stages that hold open state (the fuse stage's tracks) close it and
     * emit what that derives, through the journal, like a tick otherwise. Published by the daemon
     * after every producer has stopped.
     */
    public static final int KIND_SHUTDOWN = 3;

    /**
     * The rules are being reloaded: the journal stage commits what it holds and then runs
     * {@link #reloadAction()}, which replaces the rule stages, on the stage thread, between this slot
     * and the next. Every other stage passes it by, like a tick. Published by the daemon.
     */
    public static final int KIND_RELOAD = 4;

    /** Most derived events one slot carries; more wait in their stage's pending queue. */
    public static final int MAX_DERIVED = 8;

    /** Value of {@link #journalSeq()} before the sequencer has given one. */
    public static final long NO_SEQ = 0;

    private final EventFrame frame = new EventFrame();
    private ByteBuffer buffer;
    private ByteBuffer extra;

    private int kind;
    private int length;
    private long receivedAtUs;
    private Origin origin;
    private long originSeq;
    private int metaLength;
    private int receiptTextLength;

    private NackCode nack;
    private long nackSeq;
    private boolean duplicate;
    private long journalSeq;
    private long repeatOf;
    private int repeat;
    /** Bytes of the enrichment section in {@link #extra}: the object plus its length; 0 for none. */
    private int enrichmentSection;
    private long watermarkUs;
    /**
     * Derived events attached by the deriving stages, which own them: they stay referenced until
     * every stage has passed this slot. Then each goes back to its stage's pool
     * ({@link #giveBackDerived}) as the slot leaves the last stage; {@link #releaseDerived} is the
     * deriving stages' guard that nothing of the last lap is left when they attach.
     */
    private final DerivedEvent[] derived = new DerivedEvent[MAX_DERIVED];
    private final Enrichment enrichment = new Enrichment();
    private Runnable reloadAction;
    private int derivedCount;
    private int attached;
    /** The ring sequence of the lap whose release has been done. */
    private long releasedLap = -1;

    public EventSlot(int initialCapacity) {
        this.buffer = ByteBuffer.allocate(initialCapacity).order(ByteOrder.LITTLE_ENDIAN);
        frame.wrap(buffer, 0);
        // Room for a window-repeat marking of an event without HTTP extras, so marking never allocates.
        this.extra = ByteBuffer.allocate(EventExtras.length(0, 0, true)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Resets the slot for a new EVENT of {@code length} bytes and returns the buffer to copy it into,
     * at index 0. Producer only.
     */
    public ByteBuffer claimEvent(int length, Origin origin, long originSeq, long receivedAtUs) {
        reset(KIND_EVENT, origin, originSeq, receivedAtUs);
        if (buffer.capacity() < length) {
            buffer = ByteBuffer.allocate(Math.max(length, Integer.highestOneBit(length - 1) << 1)).order(ByteOrder.LITTLE_ENDIAN);
            frame.wrap(buffer, 0);
        }
        this.length = length;
        return buffer;
    }

    /** Resets the slot as a close request: send {@code nack} (may be null) with {@code nackSeq}, then close. */
    public void claimClose(Origin origin, NackCode nack, long nackSeq, long receivedAtUs) {
        reset(KIND_CLOSE, origin, 0, receivedAtUs);
        this.nack = nack;
        this.nackSeq = nackSeq;
    }

    /** Resets the slot as a tick of the wall clock at {@code nowUs}. Producer (the daemon's ticker) only. */
    public void claimTick(long nowUs) {
        reset(KIND_TICK, null, 0, nowUs);
    }

    /**
     * Gives room for the HTTP-only extras in the {@link EventExtras} layout, with its header written:
     * put {@code metaLength} bytes of {@code meta} at {@link EventExtras#META_OFFSET} and the receipt
     * text right after. Producer only, after {@link #claimEvent}.
     */
    public ByteBuffer claimExtra(int metaLength, int receiptTextLength) {
        int need = EventExtras.length(metaLength, receiptTextLength);
        int room = EventExtras.length(metaLength, receiptTextLength, true); // a window stage's marking may follow
        if (extra.capacity() < room) {
            extra = ByteBuffer.allocate(room).order(ByteOrder.LITTLE_ENDIAN);
        }
        this.metaLength = metaLength;
        this.receiptTextLength = receiptTextLength;
        if (need > 0) {
            extra.putInt(EventExtras.META_LENGTH_OFFSET, metaLength);
        }
        return extra;
    }

    /** Resets the slot as the daemon's shutdown request at {@code nowUs}. Producer (the daemon) only. */
    public void claimShutdown(long nowUs) {
        reset(KIND_SHUTDOWN, null, 0, nowUs);
    }

    /** Resets the slot as a rules reload that runs {@code action} at the journal stage. Producer (the daemon) only. */
    public void claimReload(Runnable action, long nowUs) {
        reset(KIND_RELOAD, null, 0, nowUs);
        this.reloadAction = action;
    }

    public boolean isReload() {
        return kind == KIND_RELOAD;
    }

    /** What a reload slot runs at the journal stage; {@code null} on any other slot. */
    public Runnable reloadAction() {
        return reloadAction;
    }

    private void reset(int kind, Origin origin, long originSeq, long receivedAtUs) {
        this.kind = kind;
        if (this.origin != origin) {
            // A reference stored into a slot is a card the collector must refine (G1): one per event
            // across the whole ring. Skipped when the slot's last lap came from the same origin.
            this.origin = origin;
        }
        this.originSeq = originSeq;
        this.receivedAtUs = receivedAtUs;
        this.length = 0;
        this.metaLength = 0;
        this.receiptTextLength = 0;
        this.nack = null;
        this.nackSeq = 0;
        this.duplicate = false;
        this.journalSeq = NO_SEQ;
        this.repeatOf = NO_SEQ;
        this.repeat = 0;
        this.enrichmentSection = 0;
        this.watermarkUs = Long.MIN_VALUE;
        this.derivedCount = 0;
        this.enrichment.reset();
        this.reloadAction = null;
    }

    /** What the enrich stage found out about the slot's own event. */
    public Enrichment enrichment() {
        return enrichment;
    }

    public int kind() {
        return kind;
    }

    public boolean isEvent() {
        return kind == KIND_EVENT;
    }

    public boolean isTick() {
        return kind == KIND_TICK;
    }

    public boolean isShutdown() {
        return kind == KIND_SHUTDOWN;
    }

    // ---- derived area

    /** Derived events this slot carries, stored after its own event in seq order. */
    public int derivedCount() {
        return derivedCount;
    }

    /** The {@code i}th derived event, {@code i < derivedCount()}. */
    public DerivedEvent derived(int i) {
        return derived[i];
    }

    /** True when no more derived events fit. */
    public boolean isDerivedFull() {
        return derivedCount == MAX_DERIVED;
    }

    /**
     * Attaches a derived event, stored under {@code seq}, after those already attached; the slot must
     * not be full and must have been released ({@link #releaseDerived}) since its last lap. The event
     * stays its deriving stage's: nothing changes it until it is back in that stage's pool. Deriving
     * stages only.
     */
    public void attachDerived(DerivedEvent event, long seq) {
        if (derivedCount == MAX_DERIVED) {
            throw new IllegalStateException("slot already carries " + MAX_DERIVED + " derived events");
        }
        if (attached > derivedCount) {
            throw new IllegalStateException("the derived events of the slot's last lap were not released");
        }
        event.seq(seq);
        derived[derivedCount++] = event;
        attached = derivedCount;
    }

    /**
     * Gives the derived events attached on the slot's last lap back to their pools and forgets them,
     * once per lap: every deriving stage calls it with the ring sequence it is handling, before it
     * attaches anything, and only the first call of a lap does something. The sequencer's thread only;
     * in a pipeline the last stage's thread has given them back already, so this finds none.
     *
     * @return how many were given back
     */
    public int releaseDerived(long sequence) {
        if (sequence == releasedLap) {
            return 0;
        }
        releasedLap = sequence;
        return giveBackDerived();
    }

    /**
     * Gives the slot's derived events back to their pools now: the pipeline calls it as the slot
     * leaves the last stage, on that stage's thread.
     *
     * @return how many were given back
     */
    public int giveBackDerived() {
        int n = attached;
        for (int i = 0; i < n; i++) {
            DerivedPool pool = derived[i].pool();
            if (pool != null) {
                pool.give(derived[i]);
            }
            derived[i] = null;
        }
        attached = 0;
        derivedCount = 0;
        return n;
    }

    /** The frame flyweight, wrapped at index 0 of {@link #buffer()}. */
    public EventFrame frame() {
        return frame;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int length() {
        return length;
    }

    public ByteBuffer extra() {
        return extra;
    }

    /** Length of the {@code meta} JSON in {@link #extra()}; 0 for none. */
    public int metaLength() {
        return metaLength;
    }

    /** Length of the receipt text in {@link #extra()}; 0 when the key is a UUID. */
    public int receiptTextLength() {
        return receiptTextLength;
    }

    /** Bytes of {@link #extra()} in use, at index 0, in the {@link EventExtras} layout. */
    public int extraLength() {
        return EventExtras.length(metaLength, receiptTextLength, repeatOf != NO_SEQ, enrichmentSection);
    }

    /**
     * Appends the enrichment object ({@code length} bytes of {@code object}) to {@link #extra()} as
     * its enrichment section, so the journal keeps it. The buffer grows once, keeping what it
     * holds, when it has no room; a slot that has grown reuses its buffer. Enrich stage only, once
     * per slot, after the window stage.
     */
    public void putEnrichment(byte[] object, int length) {
        int before = extraLength();
        int need = (before == 0 ? EventExtras.META_OFFSET : before) + length + EventExtras.ENRICHMENT_SECTION_FIXED;
        if (extra.capacity() < need) {
            ByteBuffer grown = ByteBuffer.allocate(Math.max(need, extra.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
            grown.put(0, extra, 0, before);
            extra = grown;
        }
        enrichmentSection = EventExtras.putEnrichmentSection(extra, 0, before, object, length) - (before == 0 ? EventExtras.META_OFFSET : before);
    }

    public long receivedAtUs() {
        return receivedAtUs;
    }

    public Origin origin() {
        return origin;
    }

    /** The origin's own number for this slot: the frame's seq on TCP, the event's index in an HTTP body. */
    public long originSeq() {
        return originSeq;
    }

    /** The rejection, or {@code null} while the event is valid. */
    public NackCode nack() {
        return nack;
    }

    /** For a close request: the seq to put in the NACK frame. */
    public long nackSeq() {
        return nackSeq;
    }

    public void reject(NackCode code) {
        this.nack = code;
        this.nackSeq = originSeq;
    }

    public boolean isDuplicate() {
        return duplicate;
    }

    /** The event's journal seq: its own when new, the stored original's when a duplicate. */
    public long journalSeq() {
        return journalSeq;
    }

    /** Marks a new event to be stored under {@code seq}. Sequencer only. */
    public void sequence(long seq) {
        this.duplicate = false;
        this.journalSeq = seq;
    }

    /** Marks a duplicate of the event stored under {@code originalSeq}. Sequencer only. */
    public void duplicateOf(long originalSeq) {
        this.duplicate = true;
        this.journalSeq = originalSeq;
    }

    /**
     * Marks a new event (one the journal stores under its own seq) as the {@code ordinal}th repeat,
     * within its content window, of the event stored under {@code originalSeq}; the marking goes into
     * {@link #extra()} so the journal keeps it. Not to be confused with {@link #duplicateOf}, a retry
     * that is not stored at all. Window stage only.
     */
    public void markRepeat(long originalSeq, int ordinal) {
        if (originalSeq == NO_SEQ || ordinal < 1) {
            throw new IllegalArgumentException("a repeat needs an original seq and an ordinal >= 1, was " + originalSeq + ", " + ordinal);
        }
        int length = EventExtras.length(metaLength, receiptTextLength);
        int need = EventExtras.length(metaLength, receiptTextLength, true);
        if (extra.capacity() < need) {
            ByteBuffer grown = ByteBuffer.allocate(need).order(ByteOrder.LITTLE_ENDIAN);
            grown.put(0, extra, 0, length);
            extra = grown;
        }
        EventExtras.putWindowSection(extra, 0, length, originalSeq, ordinal);
        this.repeatOf = originalSeq;
        this.repeat = ordinal;
    }

    /** The seq of the event this one repeats within its content window, or {@link #NO_SEQ}. */
    public long repeatOf() {
        return repeatOf;
    }

    /** Which repeat of {@link #repeatOf()} this is: 1 for the first; 0 when not a repeat. */
    public int repeatOrdinal() {
        return repeat;
    }

    /**
     * The event-time watermark once the window stage has seen this slot, microseconds since the
     * epoch; {@code Long.MIN_VALUE} before. Stages after it read the watermark here instead of
     * keeping their own.
     */
    public long watermarkUs() {
        return watermarkUs;
    }

    /** Records the watermark after this slot. Window stage only. */
    public void stampWatermark(long watermarkUs) {
        this.watermarkUs = watermarkUs;
    }

    /** True when the journal must store this slot: a valid, new event (a window repeat included). */
    public boolean isToStore() {
        return kind == KIND_EVENT && nack == null && !duplicate && journalSeq != NO_SEQ;
    }
}
