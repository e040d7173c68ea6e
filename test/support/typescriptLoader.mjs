// Lets a child `node` process run the TypeScript sources, for tests about what happens when a process ends:
// `node --import ./test/support/typescriptLoader.mjs child.ts`.
import { register } from "node:module";

register("./typescriptHooks.mjs", import.meta.url);
