package ai.netra.startup;

/** Whether a step's failure stops the start ({@code CRITICAL}) or is only recorded ({@code OPTIONAL}). */
public enum Criticality {
  CRITICAL,
  OPTIONAL
}
