package io.holdtrace.agent.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Map;

/**
 * Writes a report atomically: to a temporary file beside the target, then a rename. The report
 * is a tree of maps, lists, strings, numbers and booleans, written by Jackson's streaming
 * generator: an {@code ObjectMapper} cost about 200 ms of CPU to set up, paid as the JVM exits.
 */
public final class ReportWriter {

    private static final JsonFactory FACTORY = new JsonFactory();

    private ReportWriter() {
    }

    public static void write(Map<String, Object> report, Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = newTempFile(dir == null ? Path.of("") : dir, target.getFileName().toString());
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                write(report, out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * A new file beside the report, created exclusively, named by the clock: {@code
     * Files.createTempFile} starts a SecureRandom, 25 ms of CPU as the JVM exits.
     */
    private static Path newTempFile(Path dir, String name) throws IOException {
        for (int i = 0; ; i++) {
            Path p = dir.resolve("." + name + "." + Long.toHexString(System.nanoTime()) + ".tmp");
            try {
                return Files.createFile(p);
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                if (i >= 100) {
                    throw taken;
                }
            }
        }
    }

    /** The report as indented JSON (UTF-8), as {@code ObjectMapper} with INDENT_OUTPUT would write it. */
    public static void write(Map<String, Object> report, OutputStream out) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            value(g, report);
        }
    }

    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                value(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof Collection) {
            g.writeStartArray();
            for (Object o : (Collection<?>) v) {
                value(g, o);
            }
            g.writeEndArray();
        } else if (v instanceof Object[]) {
            g.writeStartArray();
            for (Object o : (Object[]) v) {
                value(g, o);
            }
            g.writeEndArray();
        } else if (v instanceof long[]) {
            long[] a = (long[]) v;
            g.writeArray(a, 0, a.length);
        } else if (v instanceof int[]) {
            int[] a = (int[]) v;
            g.writeArray(a, 0, a.length);
        } else if (v instanceof double[]) {
            double[] a = (double[]) v;
            g.writeArray(a, 0, a.length);
        } else if (v instanceof CharSequence) {
            g.writeString(v.toString());
        } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
        } else if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).intValue());
        } else if (v instanceof Long) {
            g.writeNumber((Long) v);
        } else if (v instanceof Double) {
            g.writeNumber((Double) v);
        } else if (v instanceof Float) {
            g.writeNumber((Float) v);
        } else if (v instanceof BigDecimal) {
            g.writeNumber((BigDecimal) v);
        } else if (v instanceof BigInteger) {
            g.writeNumber((BigInteger) v);
        } else if (v instanceof Enum) {
            g.writeString(((Enum<?>) v).name());
        } else {
            g.writeString(v.toString()); // no report value is another type; a string rather than a lost report
        }
    }

    /** A JSON reader and writer of databind, for the command line (made on first use). */
    public static ObjectMapper json() {
        return Mapper.JSON;
    }

    private static final class Mapper {
        static final ObjectMapper JSON = new ObjectMapper();
    }
}
