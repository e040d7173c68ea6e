import { defineConfig } from "vitest/config";

/**
 * `npm run test:kerberos`: the AdminService over Negotiate against a real MIT KDC and Apache mod_auth_gssapi
 * (test/kerberos/support/kerberosBed.ts). Forks, not threads: the Kerberos library reads KRB5_CONFIG and
 * KRB5_CLIENT_KTNAME from the real process environment, which worker threads only copy.
 */
export default defineConfig({
  test: {
    include: ["test/kerberos/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
