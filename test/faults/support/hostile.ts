import fc from "fast-check";

/** Fixed seeds: a failure names the same inputs every run (fast-check prints the seed and the shrunk case). */
export const FC_SEED = 20_261_125;

/** Strings an attacker (or a careless script) sends where an id belongs. */
export const NASTY = [
  "' or 1 eq 1",
  "x' or '1' eq '1",
  "PS100010' or PartitionKey ne '",
  "') or true or ('",
  '" or ""="',
  "../",
  "../../etc/passwd",
  "..\\..\\windows\\win.ini",
  "%2e%2e%2f",
  "%00",
  "\u0000",
  "\r\nX-Injected: yes",
  "\u202e",
  "$filter=true",
  "*",
  "",
  " ",
  "null",
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "\\",
  "/",
  "#",
  "?",
  "%",
  "a0000000-0000-4000-8000-00000000000g",
  "a0000000-0000-4000-8000-0000000000011",
  "{a0000000-0000-4000-8000-000000000001}",
  "PS10001",
  "PS1000100",
  "PS1_0010",
  "x".repeat(10 * 1024),
  "é".repeat(5 * 1024),
] as const;

/** One hostile string: a known nasty one, random text (control characters and astral planes included), or a 10 KB blob. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", minLength: 10_000, maxLength: 10_240 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NASTY), fc.string({ maxLength: 8 })).map(([a, b]) => `${b}${a}${b}`) },
);

/** A hostile id that still is not a valid one of its kind. */
export function hostileIdNot(valid: RegExp): fc.Arbitrary<string> {
  return fc
    .oneof(
      hostileText,
      fc.tuple(fc.constantFrom("PS100010", "a0000000-0000-4000-8000-000000000001"), hostileText).map(([id, tail]) => `${id}${tail}`),
    )
    .filter((s) => !valid.test(s));
}

/** Any JSON value at all, deep and wide enough to hurt a careless parser. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue({ maxDepth: 4 }), hostileText, fc.constant(null));

/**
 * A body that a strict schema must refuse: a valid one with 1–3 corruptions — a field dropped, a wrong type, an
 * unknown field, a hostile id. (Every corruption alone is enough to make it invalid.)
 */
export function corrupted(
  valid: Record<string, unknown>,
  required: readonly string[],
  fieldValues: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.keys(fieldValues);
  const corruption: fc.Arbitrary<(body: Record<string, unknown>) => void> = fc.oneof(
    ...(required.length > 0 ? [fc.constantFrom(...required).map((field) => (body: Record<string, unknown>) => void delete body[field])] : []),
    fc
      .constantFrom(...fields)
      .chain((field) => (fieldValues[field] as fc.Arbitrary<unknown>).map((value) => (body: Record<string, unknown>) => void (body[field] = value))),
    fc
      .tuple(
        fc.string({ minLength: 1, maxLength: 20 }).filter((key) => !fields.includes(key) && key !== "__proto__"),
        anyJson,
      )
      .map(
        ([key, value]) =>
          (body: Record<string, unknown>) =>
            void (body[key] = value),
      ),
  );
  return fc.array(corruption, { minLength: 1, maxLength: 3 }).map((changes) => {
    const body = { ...valid };
    for (const change of changes) change(body);
    return body;
  });
}

/** Values of the wrong type or out of range for each mapping field (never a valid value). */
export const wrongMappingFields: Record<string, fc.Arbitrary<unknown>> = {
  collectionId: fc.oneof(hostileIdNot(/^[A-Za-z0-9]{3}[0-9A-Fa-f]{5}$/), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
  groupId: fc.oneof(hostileIdNot(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/), fc.integer(), fc.constant(true)),
  tenantId: fc.oneof(hostileIdNot(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/), fc.integer(), fc.constant({})),
  mode: fc.oneof(
    hostileText.filter((s) => !["additive", "managed", "mirror"].includes(s)),
    fc.integer(),
    fc.constant(null),
  ),
  enabled: fc.oneof(fc.constantFrom("true", "false", 0, 1, "yes"), fc.constant(null), fc.object({ maxDepth: 1 })),
  includeHybridJoined: fc.oneof(fc.constantFrom("true", 1, "no"), fc.array(fc.boolean(), { maxLength: 2 })),
  removalThresholdPercent: fc.oneof(
    fc.integer({ min: 101 }),
    fc.integer({ max: -1 }),
    fc.double({ min: 0.01, max: 99.99, noInteger: true }),
    fc.constantFrom("20", Number.MAX_SAFE_INTEGER * 4, "NaN"),
  ),
  removalThresholdCount: fc.oneof(fc.integer({ min: 1_000_001 }), fc.integer({ max: -1 }), fc.constantFrom("500", 1e300, 2.5)),
};

/**
 * Page sizes and limits nobody should honour: huge, negative, fractional, not numbers at all. (Text that reads as a
 * whole number from 0 to 10,000 — " 5 ", "0x10" — is left out: accepting it is lenient, not dangerous.)
 */
export const hostileNumberText: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom("1e9", "99999999999999999999", "-1", "1.5", "Infinity", "NaN", "5 5", "١٠", "10; drop", "' or 1 eq 1"),
    fc.integer({ min: 10_001 }).map(String),
    fc.integer({ max: -1 }).map(String),
    hostileText,
  )
  .filter((text) => {
    const n = Number(text);
    return text.trim() !== "" && !(Number.isInteger(n) && n >= 0 && n <= 10_000);
  });
