// ESLint's flat config: the recommended rules, plus a few that catch real bugs.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "lab/node_modules/", "lab/build/"] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: "latest", sourceType: "module" },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      eqeqeq: ["error", "always"],
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "all" }],
      "no-var": "error",
      "prefer-const": "error",
      "no-implicit-globals": "error",
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-unmodified-loop-condition": "error",
      "no-unreachable-loop": "error",
      "no-constructor-return": "error",
      "no-use-before-define": ["error", { functions: false, classes: false, variables: true }],
      "array-callback-return": "error",
    },
  },
  // The views run in the browser (the notebook page, or the standalone report).
  { files: ["src/**/*.js", "lab/src/**/*.js"], languageOptions: { globals: globals.browser } },
  // The tests run in Node with jsdom's window.
  { files: ["test/**/*.js"], languageOptions: { globals: { ...globals.browser, ...globals.node } } },
  // The tools' configs run in Node.
  { files: ["*.config.js", "lab/core-path.js"], languageOptions: { globals: globals.node } },
];
