// ESLint: typescript-eslint's type-aware recommended rules over every TypeScript file (each file checked with the
// tsconfig that builds it: the console has its own, with the DOM), and the plain JavaScript rules over the few .js/.mjs
// launchers and build scripts. Prettier owns the layout; nothing here is about formatting.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "coverage/", "test-artifacts/", ".collection-sync/", "console/src/vendor/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // The vitest and ESLint configs sit outside tsconfig.json's folders: the default project types them.
        projectService: { allowDefaultProject: ["*.config.ts", "eslint.config.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A leading underscore marks a value left out on purpose (`{ etag: _etag, ...rest }`, an unused callback
      // argument); tsc's noUnusedLocals/noUnusedParameters already report everything else.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // Ports are Promise-returning interfaces; an adapter or fake that answers at once is still `async`, so a throw
      // inside it reaches the caller as a rejection like every other adapter's.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // Tests read JSON answers (`await response.json()`, `JSON.parse`, a harness's `body: any`) and check their
      // shape with expect(); a wrong shape fails the assertion, which is the point of the test.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  { files: ["**/*.{js,mjs}"], ...tseslint.configs.disableTypeChecked },
);
