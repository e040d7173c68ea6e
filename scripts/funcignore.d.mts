/** A predicate: is this repository-relative path left out of the Functions package? */
export function funcignoreRules(text: string): (path: string, isDir: boolean) => boolean;
