// Module hooks for typescriptLoader.mjs: imports written `./x.js` resolve to `./x.ts`, which is transpiled (no type check).
import { readFile } from "node:fs/promises";

let typescript;

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (!specifier.startsWith(".") || !specifier.endsWith(".js")) throw error;
    return next(specifier.replace(/\.js$/, ".ts"), context);
  }
}

export async function load(url, context, next) {
  if (!url.endsWith(".ts")) return next(url, context);
  typescript ??= (await import("typescript")).default;
  const source = await readFile(new URL(url), "utf8");
  const { outputText } = typescript.transpileModule(source, {
    fileName: url,
    compilerOptions: { module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2022 },
  });
  return { format: "module", source: outputText, shortCircuit: true };
}
