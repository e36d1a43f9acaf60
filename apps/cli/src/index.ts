export { defineConfig, type ReletanConfig, type ReletanConfigInput } from '@reletan/config';
