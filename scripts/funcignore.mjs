// .funcignore follows gitignore syntax; this reads the subset the repository's file uses (no negations), for the
// package-size script and the deployment package test.

/** A predicate: is this repository-relative path left out of the Functions package? */
export function funcignoreRules(text) {
  const rules = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      if (line.startsWith("!")) throw new Error(`.funcignore negation not understood: ${line}`);
      const dirOnly = line.endsWith("/");
      const body = line.replace(/^\//, "").replace(/\/$/, "");
      const anchored = line.startsWith("/") || body.includes("/");
      const glob = new RegExp(
        `^${body
          .split("*")
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join("[^/]*")}$`,
      );
      return (path, isDir) => {
        if (dirOnly && !isDir) return false;
        return anchored ? glob.test(path) : path.split("/").some((segment) => glob.test(segment));
      };
    });
  return (path, isDir) => rules.some((ignored) => ignored(path, isDir));
}
