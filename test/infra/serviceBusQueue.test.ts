import { describe, expect, it } from "vitest";
import { durationSeconds, objectEntries, onlyResource, pathValue, readRepoFile, stringLiteral } from "./support/bicep.js";
import { INFRA } from "./support/deployment.js";

const bicep = () => readRepoFile(INFRA.serviceBus);
const queueProperties = () => objectEntries(pathValue(onlyResource(bicep(), "Microsoft.ServiceBus/namespaces/queues").body, "properties") ?? "{}");
const namespace = () => onlyResource(bicep(), "Microsoft.ServiceBus/namespaces").body;

describe("the sync-jobs queue (infra/modules/serviceBus.bicep)", () => {
  it("drops a second send of the same job: duplicate detection on, with its window set explicitly", () => {
    const properties = queueProperties();
    expect(properties.get("requiresDuplicateDetection")).toBe("true");
    const window = stringLiteral(properties.get("duplicateDetectionHistoryTimeWindow"));
    expect(window).toBeDefined();
    // Longer than one scheduler tick (5 minutes), so the same tick's message is never sent twice.
    expect(durationSeconds(window ?? "")).toBeGreaterThanOrEqual(5 * 60);
  });

  it("dead-letters a job after 10 failed deliveries", () => {
    expect(queueProperties().get("maxDeliveryCount")).toBe("10");
  });

  it("locks a job for 5 minutes, the longest Service Bus allows", () => {
    expect(stringLiteral(queueProperties().get("lockDuration"))).toBe("PT5M");
  });

  it("moves expired jobs to the dead-letter queue instead of dropping them silently", () => {
    const properties = queueProperties();
    expect(properties.get("deadLetteringOnMessageExpiration")).toBe("true");
    expect(properties.get("defaultMessageTimeToLive")).toBeDefined();
  });

  it("is not session-enabled (the trigger reads plain messages)", () => {
    expect(queueProperties().get("requiresSession")).not.toBe("true");
  });

  it("lives in a Standard namespace (duplicate detection and scheduled messages) that takes Entra identities only", () => {
    expect(stringLiteral(pathValue(namespace(), "sku", "name"))).toBe("Standard");
    expect(pathValue(namespace(), "properties", "disableLocalAuth")).toBe("true");
  });
});
