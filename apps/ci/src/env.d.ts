/** The package version, baked in by tsup (see tsup.config.ts). */
declare const __RELETAN_VERSION__: string;
