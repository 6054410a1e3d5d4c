import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** compose/ holds the reference deployment; the embedded topology renders the same files. */
export const composeDir = fileURLToPath(new URL('../../compose/', import.meta.url));

const placeholder = /\$\{([A-Z0-9_]+)\}/g;

/**
 * Fills `${NAME}` placeholders. Every placeholder must have a value and every value must be
 * used, so a template and its caller cannot drift apart silently.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string | number>>, what = 'template'): string {
  const used = new Set<string>();
  const missing = new Set<string>();
  const text = template.replace(placeholder, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) {
      missing.add(name);
      return '';
    }
    used.add(name);
    const s = String(value);
    if (/[\r\n]/.test(s)) throw new Error(`${what}: value for ${name} contains a newline`);
    return s;
  });
  if (missing.size > 0) throw new Error(`${what}: no value for ${[...missing].join(', ')}`);
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`${what}: values not used by the template: ${unused.join(', ')}`);
  return text;
}

export async function renderComposeFile(name: string, values: Readonly<Record<string, string | number>>): Promise<string> {
  const template = await readFile(new URL(name, `file://${composeDir}`), 'utf8');
  return renderTemplate(template, values, `compose/${name}`);
}
