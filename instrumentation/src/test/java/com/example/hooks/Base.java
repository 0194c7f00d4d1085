package com.example.hooks;

public abstract class Base {
    public abstract Object make();
}
