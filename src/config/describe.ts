import { schema } from './schema.js';

export interface KeyDoc {
  key: string;
  env: string | undefined;
  default: unknown;
  doc: string;
  sensitive: boolean;
}

/** Every configuration key with its documentation, in schema order (for the README and --help). */
export function describeKeys(node: Record<string, unknown> = schema as unknown as Record<string, unknown>, prefix = ''): KeyDoc[] {
  return Object.entries(node).flatMap(([name, value]) => {
    const entry = value as Record<string, unknown>;
    const key = prefix ? `${prefix}.${name}` : name;
    if (!('default' in entry)) return describeKeys(entry, key);
    return [
      {
        key,
        env: typeof entry['env'] === 'string' ? entry['env'] : undefined,
        default: entry['default'],
        doc: String(entry['doc'] ?? ''),
        sensitive: entry['sensitive'] === true,
      },
    ];
  });
}

/** The README's configuration table, as Markdown. */
export function configTable(): string {
  const rows = describeKeys().map((k) => {
    const shown = k.default === '' || k.sensitive ? '(empty)' : `\`${JSON.stringify(k.default)}\``;
    return `| \`${k.key}\` | \`${k.env ?? ''}\` | ${shown} | ${k.doc} |`;
  });
  return ['| key (config file) | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
