import type { MeView } from "./apiWire.js";
import { json, type Route } from "./route.js";

/** `GET /me`: who the caller is and what they may do, so a client shows only the actions it may take. */
export function meRoutes(): Route[] {
  return [
    {
      method: "GET",
      pattern: "/me",
      access: "read",
      async handle({ principal }) {
        const roles = [...principal.roles].sort();
        const me: MeView = { name: principal.name, roles, canWrite: principal.roles.has("Mappings.ReadWrite") };
        return json(200, me);
      },
    },
  ];
}
