import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["ui/dist/**", "node_modules/**", "target/**", "src-tauri/gen/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["tests/**/*.{js,mjs}", "bench/**/*.{js,mjs}"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        Buffer: "readonly",
        fetch: "readonly",
        // code passed to browser.execute runs in the page
        document: "readonly",
        window: "readonly",
        requestAnimationFrame: "readonly",
        getComputedStyle: "readonly",
        URL: "readonly",
      },
    },
  },
);
