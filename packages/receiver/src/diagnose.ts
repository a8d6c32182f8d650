// Explains why a delivery fails verification, for people (the `hookline verify` CLI) rather than
// for the request path: it runs every check instead of stopping at the first, and tries the usual
// mistakes (re-encoded body, wrong header names, secret used as text) to name the likely cause.
import {
  bodyVariants,
  isCompactJson,
  lookalikeHeaders,
  secretVariants,
  timestampHint,
} from "./diagnose-clues.js";
import {
  HEADER_NAMES,
  type HeaderInput,
  type HeaderStyle,
  missingNames,
  normalizeHeaders,
  readSignatureHeaders,
} from "./headers.js";
import { type SecretInput, secretKeys } from "./secret.js";
import { findMatchingSignature, parseSignatureHeader, type RawBody, SIGNATURE_VERSION } from "./signature.js";
import {
  clip,
  DEFAULT_TOLERANCE_SECONDS,
  parseJsonBody,
  parseTimestamp,
  type VerifyOptions,
} from "./verify.js";

export type DiagnosisCause =
  | "ok"
  | "invalid-secret"
  | "missing-headers"
  | "wrong-header-names"
  | "invalid-timestamp"
  | "unsupported-signature-version"
  | "body-changed"
  | "wrong-secret"
  | "timestamp-too-old"
  | "timestamp-too-new"
  | "invalid-body";

export type CheckName = "secret" | "headers" | "timestamp" | "signature" | "body";

export interface DiagnosisCheck {
  name: CheckName;
  status: "pass" | "fail" | "skipped";
  detail: string;
}

export interface Diagnosis {
  ok: boolean;
  /** The most likely reason verification fails, or `ok`. */
  cause: DiagnosisCause;
  /** The cause as a sentence for a person, with what to do about it. */
  message: string;
  /** Every check that ran, in order, including those that passed. */
  checks: DiagnosisCheck[];
  headerStyle?: HeaderStyle;
  id?: string;
  timestamp?: number;
  /** Seconds between the timestamp and `now`; negative when it lies in the future. */
  ageSeconds?: number;
  /** Position (0-based) of the configured secret that matched. */
  matchedSecret?: number;
  /** Headers that look like signature headers but are not the ones read. */
  lookalikeHeaders: string[];
}

/** Runs every verification check and names the likely cause of a failure. Never throws. */
export function diagnose(
  headers: HeaderInput,
  body: RawBody,
  secrets: SecretInput,
  options: VerifyOptions = {},
): Diagnosis {
  const checks: DiagnosisCheck[] = [];
  const accepted = options.headerStyle ?? "any";
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const lookalikes = lookalikeHeaders(normalizeHeaders(headers).keys(), accepted);
  const result = (cause: DiagnosisCause, message: string, extra: Partial<Diagnosis> = {}): Diagnosis => ({
    ok: cause === "ok",
    cause,
    message,
    checks,
    lookalikeHeaders: lookalikes,
    ...extra,
  });

  let keys: Buffer[];
  try {
    keys = secretKeys(secrets);
    checks.push({ name: "secret", status: "pass", detail: `${keys.length} secret(s) configured` });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    checks.push({ name: "secret", status: "fail", detail });
    return result("invalid-secret", `The receiver's secret is unusable: ${detail}. Fix its configuration.`);
  }

  const found = readSignatureHeaders(headers, accepted);
  const names = HEADER_NAMES[found.style];
  const missing = missingNames(found);
  if (found.id === undefined || found.timestamp === undefined || found.signature === undefined) {
    checks.push({ name: "headers", status: "fail", detail: `missing: ${missing.join(", ")}` });
    if (lookalikes.length > 0) {
      return result(
        "wrong-header-names",
        `Expected ${Object.values(names).join(", ")} but the request has ${lookalikes.join(", ")}: ` +
          "the sender uses other header names" +
          (lookalikes.some((name) => name.startsWith("svix-"))
            ? ' (svix-* headers are Svix compatibility mode: accept them with headerStyle "svix" or "any").'
            : "."),
      );
    }
    return result(
      "missing-headers",
      `The request lacks ${missing.join(", ")}: it is not a signed webhook, or a proxy strips these headers.`,
    );
  }
  checks.push({
    name: "headers",
    status: "pass",
    detail: `${found.style} names: ${Object.values(names).join(", ")}`,
  });
  const seen = { headerStyle: found.style, id: found.id };

  let timestamp: number;
  try {
    timestamp = parseTimestamp(found.timestamp, names.timestamp);
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)) + timestampHint(found.timestamp);
    checks.push({ name: "timestamp", status: "fail", detail });
    return result("invalid-timestamp", `The timestamp is unreadable: ${detail}.`, seen);
  }
  const ageSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000) - timestamp;
  const timely = Math.abs(ageSeconds) <= tolerance;
  const when = ageSeconds >= 0 ? `${ageSeconds} s old` : `${-ageSeconds} s in the future`;
  checks.push({
    name: "timestamp",
    status: timely ? "pass" : "fail",
    detail: `${names.timestamp} is ${when} (tolerance ${tolerance} s)`,
  });
  const dated = { ...seen, timestamp, ageSeconds };

  const entries = parseSignatureHeader(found.signature);
  if (!entries.some((entry) => entry.version === SIGNATURE_VERSION)) {
    const versions = [...new Set(entries.map((entry) => entry.version))].join(", ");
    const detail = `no ${SIGNATURE_VERSION} entry in ${names.signature} (found: ${clip(versions)})`;
    checks.push({ name: "signature", status: "fail", detail });
    return result(
      "unsupported-signature-version",
      `The signature header has ${detail}; this kit verifies symmetric ${SIGNATURE_VERSION} (HMAC-SHA256) signatures only.`,
      dated,
    );
  }

  const match = findMatchingSignature(keys, found.id, found.timestamp, body, entries);
  if (match === undefined) {
    return explainMismatch(
      { keys, secrets, id: found.id, timestamp: found.timestamp, body, entries, timely, checks },
      (cause, message) => result(cause, message, dated),
    );
  }
  checks.push({
    name: "signature",
    status: "pass",
    detail: `signature #${match.entryIndex + 1} matches secret #${match.secretIndex + 1}`,
  });
  const matched = { ...dated, matchedSecret: match.secretIndex };

  if (!timely) {
    return ageSeconds > 0
      ? result(
          "timestamp-too-old",
          `The signature is valid but ${names.timestamp} is ${when}, past the ${tolerance} s tolerance: ` +
            "a replay of an old delivery, one held up too long, or a clock that is off.",
          matched,
        )
      : result(
          "timestamp-too-new",
          `The signature is valid but ${names.timestamp} is ${when}, past the ${tolerance} s tolerance: ` +
            "the sender's clock or this machine's is wrong.",
          matched,
        );
  }
  try {
    parseJsonBody(body);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    checks.push({ name: "body", status: "fail", detail });
    return result("invalid-body", `The signature is valid but ${detail}.`, matched);
  }
  checks.push({ name: "body", status: "pass", detail: "valid JSON" });
  return result("ok", "The delivery verifies: headers, timestamp, signature and body are all fine.", matched);
}

interface Mismatch {
  keys: Buffer[];
  secrets: SecretInput;
  id: string;
  timestamp: string;
  body: RawBody;
  entries: ReturnType<typeof parseSignatureHeader>;
  timely: boolean;
  checks: DiagnosisCheck[];
}

/** No signature matches: try the usual mistakes, then fall back on what the body looks like. */
function explainMismatch(
  input: Mismatch,
  result: (cause: DiagnosisCause, message: string) => Diagnosis,
): Diagnosis {
  const { keys, id, timestamp, entries, checks } = input;
  const count = entries.filter((entry) => entry.version === SIGNATURE_VERSION).length;
  checks.push({
    name: "signature",
    status: "fail",
    detail: `none of ${count} ${SIGNATURE_VERSION} signature(s) matches`,
  });
  const staleNote = input.timely ? "" : " The timestamp is also outside the tolerance.";

  const rewritten = bodyVariants(input.body).find(
    (variant) => findMatchingSignature(keys, id, timestamp, variant.body, entries) !== undefined,
  );
  if (rewritten !== undefined) {
    return result(
      "body-changed",
      `The signature matches the body after ${rewritten.change}: the body was changed before verification. ` +
        `Verify the raw bytes exactly as received, before any body parser.${staleNote}`,
    );
  }
  const secretList = typeof input.secrets === "string" ? [input.secrets] : [...input.secrets];
  for (const secret of secretList) {
    const misuse = secretVariants(secret).find(
      (variant) => findMatchingSignature([variant.key], id, timestamp, input.body, entries) !== undefined,
    );
    if (misuse !== undefined) {
      return result(
        "wrong-secret",
        `The sender signs with ${misuse.mistake}: the key must be the base64-decoded bytes after "whsec_".${staleNote}`,
      );
    }
  }
  if (!isCompactJson(input.body)) {
    return result(
      "body-changed",
      "No signature matches, and the body is not the compact JSON senders emit: it was most likely altered on " +
        `the way (re-encoded, truncated, edited). If it is exactly as sent, the secret is wrong instead.${staleNote}`,
    );
  }
  return result(
    "wrong-secret",
    "No signature matches while the body looks as sent (compact JSON): most likely the secret is wrong; use " +
      "the endpoint's current secret. (An edited value inside the body cannot be told apart from a wrong " +
      `secret.)${staleNote}`,
  );
}
