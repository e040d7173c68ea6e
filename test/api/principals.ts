/**
 * `x-ms-client-principal` as App Service Authentication sends it: base64 JSON with auth_typ, claims
 * (typ/val pairs), name_typ and role_typ. App roles arrive as `roles` claims.
 */
export function clientPrincipal(name: string, roles: readonly string[], objectId?: string): string {
  const principal = {
    auth_typ: "aad",
    name_typ: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
    role_typ: "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
    claims: [
      { typ: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", val: name },
      { typ: "preferred_username", val: name },
      ...roles.map((role) => ({ typ: "roles", val: role })),
      ...(objectId === undefined ? [] : [{ typ: "http://schemas.microsoft.com/identity/claims/objectidentifier", val: objectId }]),
    ],
  };
  return Buffer.from(JSON.stringify(principal), "utf8").toString("base64");
}

export const READER = { "x-ms-client-principal": clientPrincipal("reader@contoso.com", ["Mappings.Read"]) };
/** The writer's Entra object id (the `oid` claim Easy Auth passes on). */
export const WRITER_OID = "0b000000-0000-4000-8000-00000000000a";
export const WRITER = { "x-ms-client-principal": clientPrincipal("writer@contoso.com", ["Mappings.ReadWrite"], WRITER_OID) };
