import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "node_modules/",
      ".pulumi/",
      ".demo/",
      "coverage/",
      "sdks/",
      "test/e2e/programs/**/*.js",
      "jest.config.js",
      "test/summary-reporter.js",
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      // The shim must call require at run time: the module is resolved from the Pulumi program.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
);
