/**
 * Code tables: one `as const` table per code space (message codes, error codes, kinds, ...), from which
 * come the named constants, the reverse lookup and the type of the known names (style-study §6.5, after
 * rustls's enum_builder). The tables are open: a value nobody named still decodes (as a plain number),
 * so a node can answer Error_Unknown_Kind or Error_Unknown_Extension instead of failing to parse.
 */
export type CodeTable<T extends Readonly<Record<string, number>>> = T & {
  /** The table's own name, for messages. */
  readonly tableName: string;
  /** The name of a value, or undefined when the value is not in the table. */
  nameOf(value: number): keyof T | undefined;
  isKnown(value: number): boolean;
  /** `name` when known, otherwise `unknown(0x..)`: for logs and errors. */
  describe(value: number): string;
  readonly entries: ReadonlyArray<readonly [keyof T & string, number]>;
};

export function defineCodes<const T extends Readonly<Record<string, number>>>(
  tableName: string,
  table: T,
): CodeTable<T> {
  const byValue = new Map<number, keyof T & string>();
  for (const [name, value] of Object.entries(table)) {
    if (byValue.has(value)) throw new Error(`${tableName}: value ${value} is defined twice`);
    byValue.set(value, name as keyof T & string);
  }
  const entries = [...byValue.entries()].map(([v, n]) => [n, v] as const);
  return Object.freeze({
    ...table,
    tableName,
    nameOf: (value: number) => byValue.get(value),
    isKnown: (value: number) => byValue.has(value),
    describe: (value: number) => byValue.get(value) ?? `unknown(0x${value.toString(16)})`,
    entries,
  });
}

/** The union of the named values of a table. */
export type KnownCode<T> = T extends CodeTable<infer U> ? U[keyof U] : never;
