export const MARKER: string;
/** Writes the package's .npmrc (omit=dev); refuses to replace one the developer keeps there. */
export function writePackageNpmrc(dir: string): void;
/** Removes the package's .npmrc, and only that one. */
export function removePackageNpmrc(dir: string): void;
