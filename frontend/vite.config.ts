/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build lands in Django's static files (static/app/), served by whitenoise under /static/app/;
// Django answers every /app/* path with its index.html (agentiq/spa.py). See docs/frontend.md.
export default defineConfig({
  base: "/static/app/",
  plugins: [react()],
  build: {
    outDir: "../static/app",
    emptyOutDir: true,
    assetsDir: "assets",
    // No source maps: Django's manifest storage rewrites sourceMappingURL comments and fails on missing maps.
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    // `npm run dev` next to `make run`: the API stays on Django.
    proxy: { "/api": "http://127.0.0.1:8000" },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
  },
});
