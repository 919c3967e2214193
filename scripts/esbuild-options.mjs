/**
 * The esbuild options every browser bundle shares (the served widget, the npm package's widget, the dashboard):
 * minified ES2022, Lit's production build (no "development" export condition), and the widget's CSS squeezed.
 */
import { readFileSync } from 'node:fs';

/**
 * esbuild leaves template literals alone, so the widget's stylesheet would ship with its indentation: squeeze
 * the whitespace out of the CSS literals of `widget/styles.ts` (a file of CSS only, whose selectors never have
 * whitespace after a colon; about 0.2 KB gzip).
 */
const squeezeStyles = {
  name: 'squeeze-styles',
  setup(build) {
    build.onLoad({ filter: /widget[\\/]styles\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const contents = source.replace(/`[^`]*`/g, (literal) => literal.replace(/\s+/g, ' ').replace(/\s*([{};,>])\s*/g, '$1').replace(/:\s+/g, ':').replace(/;}/g, '}').replace(/` | `/g, '`'));
      return { contents, loader: 'ts' };
    });
  },
};

export const bundleOptions = {
  bundle: true,
  minify: true,
  target: 'es2022',
  legalComments: 'none',
  sourcemap: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
  plugins: [squeezeStyles],
};
