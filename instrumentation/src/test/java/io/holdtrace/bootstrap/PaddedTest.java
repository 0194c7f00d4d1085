package io.holdtrace.bootstrap;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import sun.misc.Unsafe;

/**
 * The objects a thread writes on every checkout keep their fields two cache lines away from any
 * neighbour in memory (see {@link Padded}): checked on the field offsets this JVM gave them.
 */
class PaddedTest {

    private static final long ROOM = 128;

    @Test
    void theWrittenObjectsFieldsStartTwoCacheLinesIn() throws Exception {
        for (Class<?> c : new Class<?>[] {HoldSlot.class, PoolShard.class, ThreadRef.class}) {
            for (Field f : ownFields(c)) {
                assertTrue(unsafe().objectFieldOffset(f) >= ROOM + 12,
                        c.getSimpleName() + "." + f.getName() + " at " + unsafe().objectFieldOffset(f));
            }
        }
    }

    @Test
    void everySlotHasTwoCacheLinesAfterItsFields() throws Exception {
        long last = 0;
        for (Field f : ownFields(HoldSlot.class)) {
            last = Math.max(last, unsafe().objectFieldOffset(f));
        }
        long firstTail = Long.MAX_VALUE;
        for (Field f : ownFields(HoldSlot.Tail.class)) {
            firstTail = Math.min(firstTail, unsafe().objectFieldOffset(f));
        }
        assertTrue(firstTail > last, "the trailing room comes after the fields");
        assertTrue(ownFields(HoldSlot.Tail.class).size() * 8L >= ROOM, "at least " + ROOM + " bytes of room");
        assertTrue(HoldSlots.NONE instanceof HoldSlot.Tail);
        assertTrue(new HoldSlots(4).add(new Object(), null) instanceof HoldSlot.Tail, "slots are made with their room");
    }

    private static List<Field> ownFields(Class<?> c) {
        List<Field> out = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                out.add(f);
            }
        }
        return out;
    }

    private static Unsafe unsafe() throws Exception {
        Field f = Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        return (Unsafe) f.get(null);
    }
}
