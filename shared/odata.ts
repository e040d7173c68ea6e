/** An OData string literal: `'` doubles to `''` so a value can never end the literal early (Graph and AdminService alike). */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
