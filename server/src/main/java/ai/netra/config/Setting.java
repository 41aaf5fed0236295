package ai.netra.config;

/** One setting the service reads from its environment; a secret's value is never shown. */
public record Setting(String name, boolean secret, String meaning) { }
