import { join } from "node:path";

/** The CLI's data folder: --data-dir / the caller's choice, else ./.collection-sync (README "Configuration"). */
export function localDataDir(options: { readonly dataDir?: string }): string {
  return options.dataDir ?? join(process.cwd(), ".collection-sync");
}
