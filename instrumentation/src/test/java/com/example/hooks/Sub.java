package com.example.hooks;

/** A covariant override: javac adds a bridge, which hooks leave alone. */
public class Sub extends Base {
    @Override
    public String make() {
        return "sub";
    }
}
