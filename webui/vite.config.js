import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// base './' so that the app works under plikd's `Path` prefix (assets are loaded relatively).
export default defineConfig({
  base: './',
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 300 },
  server: { proxy: { '^/(config|version|qrcode|upload|file|stream|archive|me|auth)': 'http://127.0.0.1:8080' } },
  test: {
    environment: 'jsdom',
    include: ['tests/unit/**/*.test.js'],
  },
})
