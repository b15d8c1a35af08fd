/// <reference types="vite/client" />
declare module 'exifr/dist/lite.esm.mjs' {
  export * from 'exifr'
}
declare const __APP_VERSION__: string
