/**
 * A benchmark's `--name=value` command-line options over its defaults. A default's type says how the value is
 * read: an array, comma-separated numbers (`--rates=20,100`); a number; a boolean, a flag (`--profile`);
 * anything else (null), a string (`--json=out.json`). An option without a default is an error.
 * @template {Record<string, unknown>} T
 * @param {string[]} argv
 * @param {T} defaults
 * @returns {T}
 */
export function parseOptions(argv, defaults) {
  const options = { ...defaults };
  for (const arg of argv) {
    const [name, value] = arg.replace(/^--/, '').split('=');
    if (!Object.hasOwn(defaults, name)) throw new Error(`unknown option ${arg}`);
    const fallback = defaults[name];
    if (Array.isArray(fallback)) options[name] = value.split(',').map(Number);
    else if (typeof fallback === 'number') options[name] = Number(value);
    else if (typeof fallback === 'boolean') options[name] = true;
    else options[name] = value;
  }
  return options;
}
