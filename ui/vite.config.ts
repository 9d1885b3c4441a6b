import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari15",
    sourcemap: false,
  },
});
