import { afterEach, describe, expect, it } from "vitest";
import type { TokenCredential } from "@azure/identity";
import { bearerAdminServiceAuth } from "../../shared/configmgr/adminServiceAuth.js";
import { createAdminServiceSourceProvider } from "../../shared/configmgr/adminServiceSource.js";
import { SourceReadError, ValidationError } from "../../shared/errors.js";
import { membershipRows, startFakeAdminService, type FakeReply } from "./fakeAdminService.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function serve(reply: (url: URL, index: number) => FakeReply) {
  const fake = await startFakeAdminService(reply);
  closers.push(fake.close);
  return fake;
}

/** SMS_R_System answers for whatever ids or ranges a request names: every device has an Entra id. */
function systemsFor(url: URL): FakeReply {
  const filter = url.searchParams.get("$filter") ?? "";
  const ids = [...filter.matchAll(/ResourceID eq (\d+)/gi)].map((m) => Number(m[1]));
  for (const [, from, to] of filter.matchAll(/ResourceID ge (\d+) and ResourceID le (\d+)/gi)) {
    for (let id = Number(from); id <= Number(to); id++) ids.push(id);
  }
  return { body: { value: ids.map((id) => ({ ResourceId: id, Name: `PC-${id}`, AADDeviceID: `aaaaaaaa-0000-4000-8000-${String(id).padStart(12, "0")}` })) } };
}

const fakeCredential = (token: string): TokenCredential => ({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) });
const entraApp = (credential: TokenCredential) =>
  bearerAdminServiceAuth({ mode: "entra-app", credential, scope: "https://configmgrservice/.default", identity: () => "the app" });

describe("AdminService source at the edges", () => {
  it("pages with $top and $skip when the server sends no nextLink", async () => {
    const all = membershipRows(1, 10);
    const fake = await serve((url) => {
      if (url.pathname.endsWith("SMS_R_System")) return systemsFor(url);
      const top = Number(url.searchParams.get("$top"));
      const skip = Number(url.searchParams.get("$skip"));
      return { body: { value: all.slice(skip, skip + top) } };
    });
    const source = createAdminServiceSourceProvider({ baseUrl: fake.baseUrl, pageSize: 4 }).open();
    const devices = await source.readDeviceMembers("PS100001");
    expect(devices.map((d) => d.resourceId)).toEqual(all.map((r) => r.ResourceID));
    const windows = fake.seen.filter((r) => r.url.pathname.endsWith("SMS_FullCollectionMembership"));
    expect(windows.map((r) => r.url.searchParams.get("$skip"))).toEqual(["0", "4", "8"]);
    expect(windows[0]?.url.searchParams.get("$filter")).toBe("CollectionID eq 'PS100001'");
  });

  it("fails as bad-response instead of looping when the server ignores $skip", async () => {
    const fake = await serve(() => ({ body: { value: membershipRows(1, 4) } }));
    const source = createAdminServiceSourceProvider({ baseUrl: fake.baseUrl, pageSize: 4 }).open();
    await expect(source.readDeviceMembers("PS100001")).rejects.toMatchObject({ kind: "bad-response" });
    expect(fake.seen).toHaveLength(2);
  });

  it("follows a nextLink that names the site server's internal host on the configured base (Cloud Management Gateway)", async () => {
    const fake = await serve((url) => {
      if (url.pathname.endsWith("SMS_R_System")) return systemsFor(url);
      if (url.searchParams.get("$skiptoken") === "page2") return { body: { value: membershipRows(4, 5) } };
      return {
        body: {
          "@odata.count": 5,
          value: membershipRows(1, 3),
          "@odata.nextLink": "https://cm01.corp.contoso.local/AdminService/wmi/SMS_FullCollectionMembership?$skiptoken=page2",
        },
      };
    });
    const source = createAdminServiceSourceProvider({ baseUrl: `${fake.baseUrl}/` }).open();
    expect(await source.readDeviceMembers("PS100001")).toHaveLength(5);
    expect(fake.seen[1]?.url.pathname).toBe("/AdminService/wmi/SMS_FullCollectionMembership");
    expect(fake.seen[1]?.url.searchParams.get("$skiptoken")).toBe("page2");
  });

  it("looks scattered devices up 15 at a time, and a dense run with one range", async () => {
    const scattered = membershipRows(1, 360).filter((r) => r.ResourceID % 3 === 0);
    const fake = await serve((url) => (url.pathname.endsWith("SMS_R_System") ? systemsFor(url) : { body: { value: scattered } }));
    const source = createAdminServiceSourceProvider({ baseUrl: fake.baseUrl }).open();
    const devices = await source.readDeviceMembers("PS100001");
    expect(devices).toHaveLength(120);
    expect(devices.every((d) => d.entraDeviceId !== null)).toBe(true);
    const lookups = fake.seen.filter((r) => r.url.pathname.endsWith("SMS_R_System"));
    expect(lookups.map((r) => (r.url.searchParams.get("$filter") ?? "").split(" or ").length)).toEqual(Array(8).fill(15));
    expect(source.requestCount()).toBe(9);

    const dense = await serve((url) => (url.pathname.endsWith("SMS_R_System") ? systemsFor(url) : { body: { value: membershipRows(1, 120) } }));
    const again = createAdminServiceSourceProvider({ baseUrl: dense.baseUrl }).open();
    expect(await again.readDeviceMembers("PS100001")).toHaveLength(120);
    expect(dense.seen.filter((r) => r.url.pathname.endsWith("SMS_R_System")).map((r) => r.url.searchParams.get("$filter"))).toEqual([
      "(ResourceID ge 1 and ResourceID le 120)",
    ]);
  });

  it("fails as truncated when fewer members come back than the collection's MemberCount", async () => {
    const fake = await serve((url) =>
      url.pathname.includes("SMS_Collection(")
        ? { body: { value: [{ CollectionID: "PS100001", Name: "C", CollectionType: 2, MemberCount: 5, LastMemberChangeTime: null }] } }
        : { body: { value: membershipRows(1, 3) } },
    );
    const source = createAdminServiceSourceProvider({ baseUrl: fake.baseUrl }).open();
    await source.getCollection("PS100001");
    await expect(source.readDeviceMembers("PS100001")).rejects.toMatchObject({ kind: "truncated" });
  });

  it("fails as bad-response for a body that is not JSON or has no value list", async () => {
    const notJson = await serve(() => ({ body: "<html>Sign in</html>" }));
    const source = createAdminServiceSourceProvider({ baseUrl: notJson.baseUrl }).open();
    await expect(source.getCollection("PS100001")).rejects.toMatchObject({ kind: "bad-response" });
    await notJson.close();
    const noValue = await serve(() => ({ body: { members: [] } }));
    const other = createAdminServiceSourceProvider({ baseUrl: noValue.baseUrl }).open();
    await expect(other.readDeviceMembers("PS100001")).rejects.toMatchObject({ kind: "bad-response" });
  });

  it("answers null for a 404 or an empty value list", async () => {
    const fake = await serve((_url, i) => (i === 0 ? { status: 404, body: { error: { code: "NotFound", message: "none" } } } : { body: { value: [] } }));
    const source = createAdminServiceSourceProvider({ baseUrl: fake.baseUrl }).open();
    expect(await source.getCollection("PS100001")).toBeNull();
    expect(await source.getCollection("PS100001")).toBeNull();
  });

  it("reports a collection that is neither device nor user as other", async () => {
    const fake = await serve(() => ({ body: { value: [{ CollectionID: "SMS00001", Name: "Other", CollectionType: 0 }] } }));
    const source = createAdminServiceSourceProvider({ baseUrl: fake.baseUrl }).open();
    expect(await source.getCollection("SMS00001")).toMatchObject({ type: "other", memberCount: 0, lastMemberChangeTime: null });
  });

  it("refuses injection-looking collection ids before sending any request", async () => {
    const fake = await serve(() => ({ body: { value: [] } }));
    const source = createAdminServiceSourceProvider({ baseUrl: fake.baseUrl }).open();
    for (const id of ["PS1'0001", "PS100012' or CollectionID ne '", "../../x", "PS10001", "PS1000123", "PS1 0001", "PS10001%27"]) {
      await expect(source.getCollection(id)).rejects.toBeInstanceOf(ValidationError);
      await expect(source.readDeviceMembers(id)).rejects.toBeInstanceOf(ValidationError);
      await expect(source.readUserMembers(id)).rejects.toBeInstanceOf(ValidationError);
    }
    expect(fake.seen).toHaveLength(0);
    expect(source.requestCount()).toBe(0);
  });

  it("gives up at once when Retry-After asks for a long wait", async () => {
    const fake = await serve(() => ({ status: 429, headers: { "retry-after": "3600" }, body: { error: { code: "TooMany", message: "slow down" } } }));
    const source = createAdminServiceSourceProvider({ baseUrl: fake.baseUrl }).open();
    const failure = await source.getCollection("PS100001").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SourceReadError);
    expect((failure as SourceReadError).message).toContain("429");
    expect(fake.seen).toHaveLength(1);
  });

  it("never sends a token over plain http beyond the machine, even when a scope is configured", async () => {
    const sent: (string | null)[] = [];
    const fakeFetch: typeof fetch = async (_input, init) => {
      sent.push(new Headers(init?.headers).get("authorization"));
      return new Response(JSON.stringify({ value: [] }), { status: 200, headers: { "content-type": "application/json" } });
    };
    const remote = createAdminServiceSourceProvider({
      baseUrl: "http://cm01.contoso.com/AdminService",
      auth: entraApp(fakeCredential("secret")),
      fetchImpl: fakeFetch,
    });
    await remote.open().getCollection("PS100001");
    expect(sent).toEqual([null]);
  });

  it("sends the token to a loopback address (a local test bed that demands one; it never leaves the machine)", async () => {
    const fake = await serve(() => ({ body: { value: [] } }));
    const source = createAdminServiceSourceProvider({ baseUrl: fake.baseUrl, auth: entraApp(fakeCredential("secret")) }).open();
    await source.getCollection("PS100001");
    expect(fake.seen[0]?.headers.authorization).toBe("Bearer secret");
  });

  it("sends the Entra token for ADMINSERVICE_SCOPE to an https Cloud Management Gateway", async () => {
    const sent: { url: string; authorization: string | null }[] = [];
    const fakeFetch: typeof fetch = async (input, init) => {
      sent.push({ url: input instanceof Request ? input.url : String(input), authorization: new Headers(init?.headers).get("authorization") });
      return new Response(JSON.stringify({ value: [] }), { status: 200, headers: { "content-type": "application/json" } });
    };
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: async (scope) => {
        scopes.push(...[scope].flat());
        return { token: "cmg-token", expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const baseUrl = "https://cmg.contoso.com/CCM_Proxy_MutualAuth/72057594037927941/AdminService";
    const source = createAdminServiceSourceProvider({ baseUrl, auth: entraApp(credential), fetchImpl: fakeFetch }).open();
    await source.getCollection("PS100001");
    expect(sent).toEqual([{ url: `${baseUrl}/wmi/SMS_Collection('PS100001')`, authorization: "Bearer cmg-token" }]);
    expect(scopes).toEqual(["https://configmgrservice/.default"]);
  });

  it("reads users by UPN on a site whose SMS_R_User has no AADUserID", async () => {
    const fake = await serve((url) => {
      if (url.pathname.endsWith("SMS_FullCollectionMembership"))
        return {
          body: {
            value: [
              { ResourceID: 7, ResourceType: 4, Name: "anne" },
              { ResourceID: 9, ResourceType: 3, Name: "CONTOSO\\Finance" },
            ],
          },
        };
      if ((url.searchParams.get("$select") ?? "").includes("AADUserID")) {
        return {
          status: 400,
          body: { error: { code: "BadRequest", message: "Could not find a property named 'AADUserID' on type 'AdminService.SMS_R_User'." } },
        };
      }
      return { body: { value: [{ ResourceId: 7, Name: "CONTOSO\\anne", UserPrincipalName: "anne@contoso.com" }] } };
    });
    const provider = createAdminServiceSourceProvider({ baseUrl: fake.baseUrl });
    const users = await provider.open().readUserMembers("PS100002");
    expect(users).toEqual([{ resourceId: 7, name: "CONTOSO\\anne", userPrincipalName: "anne@contoso.com", entraObjectId: null }]);
    const before = fake.seen.length;
    await provider.open().readUserMembers("PS100002");
    expect(fake.seen.length - before).toBe(2); // membership + one lookup: the site's schema is remembered
  });
});
