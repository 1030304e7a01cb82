/** text2pcap's input format: offset and 16 hex bytes per line, a blank line after each packet. */
export function hexdump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0'));
    lines.push(`${i.toString(16).padStart(6, '0')} ${row.join(' ')}`);
  }
  return `${lines.join('\n')}\n\n`;
}
