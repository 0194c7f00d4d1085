package com.example.hooks;

import java.util.ArrayList;
import java.util.List;

/** Methods of many shapes for HookWeaverTest: loops, handlers, wide locals, several returns. */
public class Target {

    private final String label = "target";
    private int count;

    public String greet(String name, int times) {
        count++;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < times; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(name);
        }
        return sb.toString();
    }

    public String fail(String name, int times) {
        if (times < 0) {
            throw new IllegalArgumentException(name);
        }
        return name;
    }

    public long sum(long from, double scale, int n) {
        long total = 0;
        for (int i = 0; i < n; i++) {
            try {
                if (i % 3 == 0) {
                    throw new IllegalStateException("skip " + i);
                }
                total += (long) (from * scale) + i;
            } catch (IllegalStateException e) {
                total -= 1;
            } finally {
                count++;
            }
            if (total > 1_000_000) {
                return -1;
            }
        }
        return total;
    }

    public double ratio(double a, double b) {
        return b == 0 ? Double.NaN : a / b;
    }

    public static List<String> words(String text, int limit) {
        List<String> out = new ArrayList<>();
        for (String w : text.split(" ")) {
            if (out.size() == limit) {
                break;
            }
            out.add(w);
        }
        return out;
    }

    public synchronized void touch(String why, int times) {
        count += times;
        if (why == null) {
            throw new NullPointerException("why");
        }
    }

    public int count() {
        return count;
    }
}
