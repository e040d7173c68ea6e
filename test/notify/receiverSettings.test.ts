import { describe, expect, it } from "vitest";
import { loadSettings } from "../../shared/config/settings.js";
import { ConfigError } from "../../shared/errors.js";

const TEAMS_OLD =
  "https://prod-12.westeurope.logic.azure.com:443/workflows/7d1f/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbC-dEf_123";
const TEAMS_NEW =
  "https://default1234abcd.56.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/0987/triggers/manual/paths/invoke?api-version=1&sig=XyZ";
const SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX";

function receivers(value: string) {
  return loadSettings({ NOTIFY_WEBHOOK_URL: value }).NOTIFY_WEBHOOK_URL.map((r) => [r.format, r.url]);
}

function refusal(value: string, name = "NOTIFY_WEBHOOK_URL"): string {
  try {
    loadSettings({ [name]: value });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("accepted");
}

describe("NOTIFY_WEBHOOK_URL", () => {
  it("is off when unset", () => {
    expect(loadSettings({}).NOTIFY_WEBHOOK_URL).toEqual([]);
  });

  it("recognises Teams Workflows (old and new Power Automate hosts), Slack, and anything else as generic JSON", () => {
    expect(receivers(`${TEAMS_OLD} ${TEAMS_NEW}, ${SLACK},https://itsm.contoso.example/hooks/csync`)).toEqual([
      ["teams", TEAMS_OLD.replace(":443", "")],
      ["teams", TEAMS_NEW.replace(":443", "")],
      ["slack", SLACK],
      ["json", "https://itsm.contoso.example/hooks/csync"],
    ]);
  });

  it("takes an explicit format prefix, and keeps commas inside a URL", () => {
    expect(receivers("teams:https://flows.contoso.example/hook?a=1,2 json:https://hooks.slack.com/services/T/B/X")).toEqual([
      ["teams", "https://flows.contoso.example/hook?a=1,2"],
      ["json", "https://hooks.slack.com/services/T/B/X"],
    ]);
  });

  it("allows plain http only on loopback", () => {
    expect(receivers("http://127.0.0.1:8080/hook")).toEqual([["json", "http://127.0.0.1:8080/hook"]]);
    expect(refusal("http://hooks.contoso.example/hook?sig=topsecret")).toContain("NOTIFY_WEBHOOK_URL must use https://");
    expect(refusal("http://127.evil.example/hook?sig=topsecret")).toContain("NOTIFY_WEBHOOK_URL must use https://");
  });

  it("refuses an unknown format or a non-URL without echoing the receiver's secret", () => {
    const unknown = refusal(`teams:${TEAMS_OLD} email:https://x.example/sig=topsecret`);
    expect(unknown).toContain('unknown format "email:"');
    expect(refusal("not-a-url-topsecret")).toContain("is not a URL");
    expect(unknown).not.toContain("topsecret");
    expect(refusal("http://hooks.contoso.example/hook?sig=topsecret")).not.toContain("topsecret");
  });
});

describe("NOTIFY_LINK_BASE_URL", () => {
  it("must be https (or loopback http) and loses a trailing slash", () => {
    expect(loadSettings({ NOTIFY_LINK_BASE_URL: "https://csync.azurewebsites.net/" }).NOTIFY_LINK_BASE_URL).toBe("https://csync.azurewebsites.net");
    expect(refusal("http://csync.example", "NOTIFY_LINK_BASE_URL")).toContain("NOTIFY_LINK_BASE_URL must use https://");
  });
});
