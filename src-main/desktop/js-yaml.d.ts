// js-yaml (electron-updater's and electron-builder's YAML reader) ships no types; the tests read
// electron-builder.yml and latest.yml with its load().
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
