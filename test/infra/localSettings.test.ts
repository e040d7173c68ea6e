import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadSettings, requireCloudSettings, settingsSchema } from "../../shared/config/settings.js";
import { readRepoFile } from "./support/bicep.js";

const FILE = "local.settings.example.json";
const exampleSchema = z.object({ IsEncrypted: z.literal(false), Values: z.record(z.string(), z.string()) }).strict();
const example = () => exampleSchema.parse(JSON.parse(readRepoFile(FILE)));

/** Connection-string parts that carry a secret (storage keys, SAS, Service Bus keys, client secrets). */
const SECRET_MARKERS = [/AccountKey=/i, /SharedAccessKey=/i, /SharedAccessSignature=/i, /\bsig=/i, /ClientSecret/i, /password/i];

describe("local.settings.example.json (copied to local.settings.json for `func start`)", () => {
  it("holds no secret, so it can live in the repository", () => {
    const text = readRepoFile(FILE);
    expect(SECRET_MARKERS.filter((marker) => marker.test(text)).map(String)).toEqual([]);
  });

  it("runs the node worker against Azurite for host storage and tables", () => {
    const values = example().Values;
    expect(values.FUNCTIONS_WORKER_RUNTIME).toBe("node");
    expect(values.AzureWebJobsStorage).toBe("UseDevelopmentStorage=true");
    expect(values.TABLES_CONNECTION).toBe("UseDevelopmentStorage=true");
  });

  it("passes the app's settings check as it stands, placeholders included", () => {
    const values = example().Values;
    expect(() => requireCloudSettings(loadSettings(values))).not.toThrow();
  });

  it("names only settings the code or the Functions host knows", () => {
    const known = new Set(Object.keys(settingsSchema.shape));
    const host = /^(FUNCTIONS_WORKER_RUNTIME|AzureWebJobsStorage|AzureWebJobsFeatureFlags|SERVICEBUS_CONNECTION__\w+|APPLICATIONINSIGHTS_\w+)$/;
    expect(Object.keys(example().Values).filter((name) => !known.has(name) && !host.test(name))).toEqual([]);
  });
});
