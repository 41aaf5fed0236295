package ai.netra.deploy.verify;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The way back after a failed verification: send all traffic to the previous revision. The names
 * are checked against Cloud Run's naming rules first, so the printed command is safe to paste.
 */
public record Rollback(String service, String previousRevision, String region) {

  /** Cloud Run service and revision names: lower-case letters, digits and hyphens, starting with a letter. */
  private static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern REGION = Pattern.compile("[a-z]+(-[a-z]+)*[0-9]+");

  /** @throws IllegalArgumentException naming the option whose value is not a Cloud Run name */
  public Rollback {
    check("--service", service, NAME);
    check("--previous-revision", previousRevision, NAME);
    check("--region", region, REGION);
  }

  private static void check(String option, String value, Pattern pattern) {
    if (value != null && !pattern.matcher(value).matches()) {
      throw new IllegalArgumentException(option + " '" + value + "' is not a Cloud Run name (lower-case letters, digits"
          + " and hyphens" + (option.equals("--region") ? ", like us-central1)" : ", starting with a letter)"));
    }
  }

  /** The exact command, when the service and the previous revision are known. */
  public Optional<String> command() {
    if (service == null || previousRevision == null) {
      return Optional.empty();
    }
    return Optional.of("gcloud run services update-traffic " + service + " --to-revisions=" + previousRevision + "=100"
        + (region == null ? "" : " --region=" + region));
  }

  /** What to pass to get the command, or what the command leaves to gcloud's defaults. */
  public String hint() {
    if (service == null || previousRevision == null) {
      return "pass --service and --previous-revision (and --region) to get the exact command; it is: gcloud run"
          + " services update-traffic SERVICE --to-revisions=PREVIOUS_REVISION=100 --region=REGION (the previous"
          + " revision: gcloud run revisions list --service=SERVICE)";
    }
    return region == null ? "no --region given: gcloud uses its configured run/region" : "";
  }
}
