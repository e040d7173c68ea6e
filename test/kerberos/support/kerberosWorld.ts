import { loadKerberos } from "../../../shared/configmgr/negotiateAuth.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../../simulator/index.js";
import { scenarioSeed, type DeviceFixture } from "../../support/fixtures.js";
import { startKerberosBed, type KerberosBed } from "./kerberosBed.js";

export interface KerberosWorld {
  readonly tenant: SimulatedTenant;
  readonly bed: KerberosBed;
  stop(): Promise<void>;
}

/**
 * A simulated tenant whose device collection holds `collection`, its AdminService behind the Kerberos bed
 * (Apache mod_auth_gssapi and a KDC), and KRB5_CONFIG pointing at the bed's realm.
 */
export async function startKerberosWorld(collection: readonly DeviceFixture[]): Promise<KerberosWorld> {
  // Fails the suite, loudly, when the optional package is missing (it says what to install).
  await loadKerberos();
  const tenant = await startSimulatedTenant({ seed: scenarioSeed({ collection }) });
  const bed = await startKerberosBed({ upstream: tenant.graphBaseUrl });
  // The Kerberos library reads the realm's configuration from the process environment.
  process.env["KRB5_CONFIG"] = bed.krb5Config;
  return {
    tenant,
    bed,
    async stop() {
      await bed.stop();
      await tenant.close();
    },
  };
}
